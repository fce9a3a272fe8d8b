; Definitions in C++. A function's `@def` is its declarator; the analyzer
; widens it to the whole definition or prototype.
(function_declarator
  declarator: [(identifier) (field_identifier) (qualified_identifier) (operator_name) (destructor_name)] @name) @def.function
(struct_specifier name: (_) @name body: (_)) @def.type
(union_specifier name: (_) @name body: (_)) @def.type
(enum_specifier name: (_) @name body: (_)) @def.type
(class_specifier name: (_) @name body: (_)) @def.type
(type_definition declarator: (type_identifier) @name) @def.type
(alias_declaration name: (type_identifier) @name) @def.type
(concept_definition name: (identifier) @name) @def.trait
(namespace_definition name: (_) @name) @def.module
(preproc_def name: (identifier) @name) @def.constant
(preproc_function_def name: (identifier) @name) @def.macro
