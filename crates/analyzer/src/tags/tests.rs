use super::*;

fn tags(lang: Lang, text: &str) -> FileTags {
    extract(lang, text, Duration::from_secs(5)).unwrap()
}

/// `(name, kind, start_line, end_line)` of every definition.
fn defs(t: &FileTags) -> Vec<(&str, DefKind, u32, u32)> {
    t.defs
        .iter()
        .map(|d| (d.name.as_str(), d.kind, d.start_line, d.end_line))
        .collect()
}

fn has_ref(t: &FileTags, name: &str) -> bool {
    t.refs.iter().any(|(n, _)| n == name)
}

#[test]
fn rust_items_methods_and_signatures() {
    let src = "\
/// A point.
#[derive(Debug)]
pub struct Point<T> { x: T }

impl<T: Copy> Point<T> {
    /// Makes one.
    pub fn new(x: T) -> Self {
        Point { x }
    }
}

pub trait Shape { fn area(&self) -> f64; }
pub const ORIGIN: u32 = 0;
fn helper(p: &Point<u8>) -> u8 { p.x }
";
    let t = tags(Lang::Rust, src);
    assert_eq!(
        defs(&t),
        vec![
            ("Point", DefKind::Type, 1, 3),
            ("Point", DefKind::Impl, 5, 10),
            ("new", DefKind::Method, 6, 9),
            ("Shape", DefKind::Trait, 12, 12),
            ("area", DefKind::Method, 12, 12),
            ("ORIGIN", DefKind::Constant, 13, 13),
            ("helper", DefKind::Function, 14, 14),
        ]
    );
    assert_eq!(t.defs[2].signature, "pub fn new(x: T) -> Self");
    assert_eq!(t.defs[2].parent, Some(1));
    assert_eq!(t.defs[0].signature, "pub struct Point<T>");
    assert_eq!(t.defs[0].line, 3);
    assert!(
        t.defs[4].decl,
        "a trait method without a body is a declaration"
    );
    assert!(!t.defs[2].decl);
    assert!(
        has_ref(&t, "Point"),
        "the impl and helper use Point: {:?}",
        t.refs
    );
    assert!(
        !has_ref(&t, "helper"),
        "a definition's own name is not a reference"
    );
    assert!(!t.has_errors);
}

#[test]
fn python_classes_methods_constants_and_decorators() {
    let src = "\
MAX_SIZE = 10

class Parser(Base):
    @staticmethod
    def parse(text: str,
              strict: bool = False) -> 'Node':
        return tokenize(text)

def tokenize(text):
    return text.split()
";
    let t = tags(Lang::Python, src);
    assert_eq!(
        defs(&t),
        vec![
            ("MAX_SIZE", DefKind::Constant, 1, 1),
            ("Parser", DefKind::Type, 3, 7),
            ("parse", DefKind::Method, 4, 7),
            ("tokenize", DefKind::Function, 9, 10),
        ]
    );
    assert_eq!(
        t.defs[2].signature,
        "def parse(text: str, strict: bool = False) -> 'Node'"
    );
    assert!(has_ref(&t, "tokenize") && has_ref(&t, "Base"));
}

#[test]
fn javascript_functions_classes_and_arrow_consts() {
    let src = "\
export function render(el) { return el; }
class Widget extends Base {
  draw() { return render(this); }
}
const handler = (e) => { draw(e); };
export const LIMIT = 5;
";
    let t = tags(Lang::JavaScript, src);
    assert_eq!(
        defs(&t),
        vec![
            ("render", DefKind::Function, 1, 1),
            ("Widget", DefKind::Type, 2, 4),
            ("draw", DefKind::Method, 3, 3),
            ("handler", DefKind::Function, 5, 5),
            ("LIMIT", DefKind::Constant, 6, 6),
        ]
    );
    assert_eq!(t.defs[0].signature, "export function render(el)");
    assert_eq!(t.defs[3].signature, "const handler = (e) =>");
}

#[test]
fn typescript_and_tsx_interfaces_types_and_enums() {
    let src = "\
export interface Shape { area(): number; }
type Id = string;
enum Color { Red, Green }
export class Circle implements Shape {
  area(): number { return 3; }
}
";
    for lang in [Lang::TypeScript, Lang::Tsx] {
        let t = tags(lang, src);
        let names: Vec<_> = t.defs.iter().map(|d| (d.name.as_str(), d.kind)).collect();
        assert_eq!(
            names,
            vec![
                ("Shape", DefKind::Trait),
                ("area", DefKind::Method),
                ("Id", DefKind::Type),
                ("Color", DefKind::Type),
                ("Circle", DefKind::Type),
                ("area", DefKind::Method),
            ],
            "{lang:?}"
        );
    }
    let t = tags(Lang::Tsx, "export const App = () => <div>{title}</div>;\n");
    assert_eq!(defs(&t), vec![("App", DefKind::Function, 1, 1)]);
}

#[test]
fn go_functions_methods_types_and_interfaces() {
    let src = "\
package main

const Limit = 3

type Server struct { addr string }
type Handler interface { Serve() }

func (s *Server) Serve() { listen(s.addr) }
func listen(addr string) {}
";
    let t = tags(Lang::Go, src);
    assert_eq!(
        defs(&t),
        vec![
            ("Limit", DefKind::Constant, 3, 3),
            ("Server", DefKind::Type, 5, 5),
            ("Handler", DefKind::Trait, 6, 6),
            ("Serve", DefKind::Method, 8, 8),
            ("listen", DefKind::Function, 9, 9),
        ]
    );
    assert_eq!(t.defs[3].signature, "func (s *Server) Serve()");
}

#[test]
fn java_classes_interfaces_methods_and_static_finals() {
    let src = "\
public class Cache implements Store {
    public static final int SIZE = 4;
    private int hits;
    public Cache() {}
    @Override
    public Object get(String key) { return lookup(key); }
}
interface Store { Object get(String key); }
";
    let t = tags(Lang::Java, src);
    let names: Vec<_> = t.defs.iter().map(|d| (d.name.as_str(), d.kind)).collect();
    assert_eq!(
        names,
        vec![
            ("Cache", DefKind::Type),
            ("SIZE", DefKind::Constant),
            ("Cache", DefKind::Method),
            ("get", DefKind::Method),
            ("Store", DefKind::Trait),
            ("get", DefKind::Method),
        ]
    );
    assert_eq!(
        t.defs[3].signature,
        "@Override public Object get(String key)"
    );
}

#[test]
fn c_functions_prototypes_structs_and_macros() {
    let src = "\
#define MAX 10
struct node { int v; };
typedef struct node node_t;
char *name_of(node_t *n);
static char *name_of(node_t *n) {
    int (*cb)(int) = 0;
    return 0;
}
";
    let t = tags(Lang::C, src);
    assert_eq!(
        defs(&t),
        vec![
            ("MAX", DefKind::Constant, 1, 1),
            ("node", DefKind::Type, 2, 2),
            ("node_t", DefKind::Type, 3, 3),
            ("name_of", DefKind::Function, 4, 4),
            ("name_of", DefKind::Function, 5, 8),
        ]
    );
    assert_eq!(t.defs[4].signature, "static char *name_of(node_t *n)");
    assert!(
        t.defs[3].decl && !t.defs[4].decl,
        "the prototype is a declaration, the definition is not"
    );
}

#[test]
fn cpp_classes_namespaces_templates_and_out_of_line_methods() {
    let src = "\
namespace geo {
template <typename T>
class Box {
  public:
    T size() const;
};
template <typename T>
T Box<T>::size() const { return T(); }
}
";
    let t = tags(Lang::Cpp, src);
    let names: Vec<_> = t
        .defs
        .iter()
        .map(|d| (d.name.as_str(), d.kind, d.start_line))
        .collect();
    assert_eq!(
        names,
        vec![
            ("geo", DefKind::Module, 1),
            ("Box", DefKind::Type, 2),
            ("size", DefKind::Method, 5),
            ("size", DefKind::Function, 7),
        ]
    );
}

#[test]
fn syntax_errors_keep_what_parses() {
    let src = "fn good() {}\nfn broken( {\n\nstruct Fine { a: u8 }\nfn also_good() -> u8 { 1 }\n";
    let t = tags(Lang::Rust, src);
    assert!(t.has_errors);
    let names: Vec<_> = t.defs.iter().map(|d| d.name.as_str()).collect();
    assert!(names.contains(&"good"), "{names:?}");
    assert!(names.contains(&"also_good"), "{names:?}");
}

#[test]
fn a_parse_past_its_deadline_gives_no_tags_instead_of_stalling() {
    let src = "fn f() { let x = [".to_string() + &"1, ".repeat(200_000) + "]; }";
    let t = extract(Lang::Rust, &src, Duration::ZERO).unwrap();
    assert!(t.timed_out);
    assert!(t.defs.is_empty());
    // The parser is usable again afterwards.
    let t = tags(Lang::Rust, "fn after() {}");
    assert_eq!(t.defs.len(), 1);
}
