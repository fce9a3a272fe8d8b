; Definitions in TypeScript and TSX.
(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(function_signature name: (identifier) @name) @def.function
(class_declaration name: (_) @name) @def.type
(abstract_class_declaration name: (_) @name) @def.type
(interface_declaration name: (_) @name) @def.trait
(type_alias_declaration name: (_) @name) @def.type
(enum_declaration name: (_) @name) @def.type
(internal_module name: (_) @name) @def.module
(method_definition name: (_) @name) @def.method
(method_signature name: (_) @name) @def.method
(abstract_method_signature name: (_) @name) @def.method
(lexical_declaration
  (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (class)])) @def.function
(variable_declaration
  (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (class)])) @def.function
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant))
