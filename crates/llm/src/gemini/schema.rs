//! JSON Schema (as schemars writes it) to Gemini's `responseSchema`.
//!
//! Gemini takes a select subset of the OpenAPI 3.0 schema object: no
//! `$ref`, one `type` per schema (upper-case, as the `Type` enum is
//! spelled), `nullable` instead of a `null` type, string enums as
//! `format: "enum"` with an `enum` list, and an unknown keyword fails the
//! whole request with 400 INVALID_ARGUMENT. So the conversion keeps an
//! allow-list of keywords rather than deleting the ones known to be bad.

use serde_json::{Map, Value};

use crate::inline_refs;

/// Keywords copied through (after conversion of their values).
const KEPT: &[&str] = &["description", "minimum", "maximum", "minItems", "maxItems"];

/// `schema` as Gemini's `responseSchema`: references inlined, nullable
/// types and unions rewritten, unsupported keywords dropped.
pub(crate) fn response_schema(schema: &Value) -> Value {
    convert(&inline_refs(schema))
}

fn convert(v: &Value) -> Value {
    let Some(o) = v.as_object() else {
        // `true` (anything) has no Gemini spelling; an empty schema is the
        // closest and is accepted.
        return Value::Object(Map::new());
    };
    // A union: schemars writes documented enums as `oneOf` of `const`s and
    // `Option<Struct>` as `anyOf: [X, {type: null}]`.
    if let Some(members) = o
        .get("anyOf")
        .or_else(|| o.get("oneOf"))
        .and_then(Value::as_array)
    {
        let mut out = union(members);
        overlay(&mut out, o);
        // The variants' own docs would be lost with their `const`s; the
        // model reads them in the description instead.
        if let Some(notes) = variant_notes(members) {
            let text = match out.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d}\n{notes}"),
                None => notes,
            };
            out.insert("description".into(), Value::String(text));
        }
        return Value::Object(out);
    }
    // `allOf` of one schema is how older generators attach a description
    // to a reference.
    if let Some([only]) = o.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        let mut out = match convert(only) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        overlay(&mut out, o);
        return Value::Object(out);
    }
    let mut out = Map::new();
    overlay(&mut out, o);
    Value::Object(out)
}

/// Converts `members` of an `anyOf`/`oneOf`.
fn union(members: &[Value]) -> Map<String, Value> {
    let is_null = |m: &Value| m.get("type").and_then(Value::as_str) == Some("null");
    let nullable = members.iter().any(is_null);
    let rest: Vec<&Value> = members.iter().filter(|m| !is_null(m)).collect();
    let mut out = if let Some(values) = string_consts(&rest) {
        string_enum(values)
    } else if let [one] = rest.as_slice() {
        match convert(one) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    } else {
        let mut m = Map::new();
        m.insert(
            "anyOf".into(),
            Value::Array(rest.iter().map(|x| convert(x)).collect()),
        );
        m
    };
    if nullable {
        out.insert("nullable".into(), Value::Bool(true));
    }
    out
}

/// The string values when every member is a string `const` (or a string
/// `enum`): how schemars writes an enum whose variants carry doc comments.
fn string_consts(members: &[&Value]) -> Option<Vec<Value>> {
    if members.is_empty() {
        return None;
    }
    let mut values = Vec::new();
    for m in members {
        if let Some(c) = m.get("const") {
            values.push(Value::String(c.as_str()?.to_owned()));
        } else if let Some(e) = m.get("enum").and_then(Value::as_array) {
            for x in e {
                values.push(Value::String(x.as_str()?.to_owned()));
            }
        } else {
            return None;
        }
    }
    Some(values)
}

/// "- `create`: The file does not exist yet." for each documented string
/// `const` among `members`.
fn variant_notes(members: &[Value]) -> Option<String> {
    let lines: Vec<String> = members
        .iter()
        .filter_map(|m| {
            let c = m.get("const")?.as_str()?;
            let d = m.get("description")?.as_str()?;
            Some(format!("- `{c}`: {d}"))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn string_enum(values: Vec<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), Value::String("STRING".into()));
    m.insert("format".into(), Value::String("enum".into()));
    m.insert("enum".into(), Value::Array(values));
    m
}

/// Writes the supported keywords of `o` into `out` (a union's conversion
/// keeps its own type; the keywords beside the union, a description, win).
fn overlay(out: &mut Map<String, Value>, o: &Map<String, Value>) {
    match o.get("type") {
        Some(Value::String(t)) if t != "null" => {
            out.insert("type".into(), Value::String(t.to_uppercase()));
        }
        Some(Value::Array(types)) => {
            let named: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            if named.len() < types.len() {
                out.insert("nullable".into(), Value::Bool(true));
            }
            match named.as_slice() {
                [one] => {
                    out.insert("type".into(), Value::String(one.to_uppercase()));
                }
                [] => {}
                many => {
                    let each = many
                        .iter()
                        .map(|t| {
                            let mut m = Map::new();
                            m.insert("type".into(), Value::String(t.to_uppercase()));
                            Value::Object(m)
                        })
                        .collect();
                    out.insert("anyOf".into(), Value::Array(each));
                }
            }
        }
        _ => {}
    }
    if let Some(c) = o.get("const").and_then(Value::as_str) {
        out.extend(string_enum(vec![Value::String(c.to_owned())]));
    }
    if let Some(values) = o.get("enum").and_then(Value::as_array) {
        if values.iter().any(Value::is_null) {
            out.insert("nullable".into(), Value::Bool(true));
        }
        // Gemini's enum values are strings, whatever the type.
        let strings: Vec<Value> = values
            .iter()
            .filter(|x| !x.is_null())
            .map(|x| match x {
                Value::String(s) => Value::String(s.clone()),
                other => Value::String(other.to_string()),
            })
            .collect();
        out.insert("enum".into(), Value::Array(strings));
        out.insert("format".into(), Value::String("enum".into()));
        out.entry("type")
            .or_insert_with(|| Value::String("STRING".into()));
    }
    if let Some(f) = o.get("format").and_then(Value::as_str)
        && f == "date-time"
        && !out.contains_key("enum")
    {
        out.insert("format".into(), Value::String(f.to_owned()));
    }
    for key in KEPT {
        if let Some(val) = o.get(*key) {
            out.insert((*key).to_owned(), val.clone());
        }
    }
    if let Some(props) = o.get("properties").and_then(Value::as_object) {
        let converted: Map<String, Value> =
            props.iter().map(|(k, p)| (k.clone(), convert(p))).collect();
        out.insert("propertyOrdering".into(), Value::Array(ordering(o, props)));
        out.insert("properties".into(), Value::Object(converted));
        out.entry("type")
            .or_insert_with(|| Value::String("OBJECT".into()));
    }
    if let Some(req) = o.get("required").and_then(Value::as_array) {
        let names: Vec<Value> = req.iter().filter(|r| r.is_string()).cloned().collect();
        out.insert("required".into(), Value::Array(names));
    }
    // A tuple (`items` as an array, or `prefixItems`) has no spelling; the
    // array then stays untyped in its elements.
    if let Some(items) = o.get("items").filter(|i| i.is_object()) {
        out.insert("items".into(), convert(items));
        out.entry("type")
            .or_insert_with(|| Value::String("ARRAY".into()));
    }
}

/// The order Gemini should write properties in. Without it Gemini goes
/// alphabetically; `required` keeps the struct's field order (schemars
/// lists it so), which puts a plan's summary before its files.
fn ordering(o: &Map<String, Value>, props: &Map<String, Value>) -> Vec<Value> {
    let mut order: Vec<String> = o
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .filter(|k| props.contains_key(*k))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for k in props.keys() {
        if !order.contains(k) {
            order.push(k.clone());
        }
    }
    order.into_iter().map(Value::String).collect()
}

#[cfg(test)]
mod tests {
    use distiq_core::CodePlan;
    use serde_json::json;

    use super::*;
    use crate::schema_for;

    #[test]
    fn a_code_plan_schema_becomes_gemini_openapi_subset() {
        let out = response_schema(&schema_for::<CodePlan>());
        let text = out.to_string();
        for banned in [
            "$ref",
            "$defs",
            "$schema",
            "additionalProperties",
            "\"title\"",
            "\"default\"",
            "\"const\"",
            "oneOf",
            "\"null\"",
        ] {
            assert!(!text.contains(banned), "{banned} left in {text}");
        }
        assert_eq!(out["type"], "OBJECT");
        assert_eq!(out["propertyOrdering"], json!(["summary", "files"]));
        let file = &out["properties"]["files"]["items"];
        assert_eq!(file["type"], "OBJECT");
        let action = &file["properties"]["action"];
        assert_eq!(action["type"], "STRING");
        assert_eq!(action["format"], "enum");
        assert_eq!(action["enum"], json!(["create", "modify", "delete"]));
        // The field's own description first, then what each value means.
        let doc = action["description"].as_str().unwrap();
        assert!(doc.starts_with("Whether the file is created"), "{doc}");
        assert!(
            doc.contains("- `create`: The file does not exist yet."),
            "{doc}"
        );
        let change = &file["properties"]["changes"]["items"];
        assert_eq!(
            change["properties"]["old_code"],
            json!({
                "type": "STRING",
                "nullable": true,
                "description": "The exact code that is there now (replace, delete, or the anchor an\ninsert goes after); absent for a new file."
            })
        );
        assert_eq!(
            change["properties"]["type"]["enum"],
            json!(["replace", "insert", "delete"])
        );
        assert_eq!(change["required"], json!(["type", "location", "reasoning"]));
    }

    #[test]
    fn optional_structs_and_nullable_numbers_become_nullable() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "T",
            "type": "object",
            "properties": {
                "inner": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}], "description": "maybe"},
                "count": {"type": ["integer", "null"], "format": "uint32", "minimum": 0},
                "when": {"type": "string", "format": "date-time"},
                "mode": {"type": "string", "enum": ["a", "b", null]},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]}
            },
            "$defs": {"Inner": {"type": "object", "properties": {"x": {"type": "boolean"}}, "required": ["x"], "additionalProperties": false}}
        });
        let out = response_schema(&schema);
        let p = &out["properties"];
        assert_eq!(
            p["inner"],
            json!({
                "type": "OBJECT", "nullable": true, "description": "maybe",
                "properties": {"x": {"type": "BOOLEAN"}}, "required": ["x"], "propertyOrdering": ["x"]
            })
        );
        assert_eq!(
            p["count"],
            json!({"type": "INTEGER", "nullable": true, "minimum": 0})
        );
        assert_eq!(p["when"], json!({"type": "STRING", "format": "date-time"}));
        assert_eq!(
            p["mode"],
            json!({"type": "STRING", "format": "enum", "enum": ["a", "b"], "nullable": true})
        );
        assert_eq!(
            p["either"],
            json!({"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]})
        );
        assert!(out.get("title").is_none() && out.get("$schema").is_none());
    }
}
