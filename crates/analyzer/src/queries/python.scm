; Definitions in Python.
(function_definition name: (identifier) @name) @def.function
(class_definition name: (identifier) @name) @def.type
(module (expression_statement (assignment left: (identifier) @name) @def.constant))
