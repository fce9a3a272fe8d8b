; Definitions in Java.
(class_declaration name: (identifier) @name) @def.type
(record_declaration name: (identifier) @name) @def.type
(enum_declaration name: (identifier) @name) @def.type
(interface_declaration name: (identifier) @name) @def.trait
(annotation_type_declaration name: (identifier) @name) @def.trait
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method
((field_declaration
   (modifiers) @mods
   declarator: (variable_declarator name: (identifier) @name)) @def.constant
 (#match? @mods "static")
 (#match? @mods "final"))
