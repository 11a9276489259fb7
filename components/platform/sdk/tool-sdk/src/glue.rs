//! Conversions between the SDK's plain types and the generated WIT bindings of each world.

/// Generates the conversions for one world's bindings (used here for `pure-tool` and by
/// `lathe-native-sdk` for `native-tool`).
#[doc(hidden)]
#[macro_export]
macro_rules! __world_glue {
    ($name:ident, $bindings:path, $kind:ident) => {
        /// Glue for one world's bindings; used by the export macros.
        pub mod $name {
            use b::lathe::tool::types as t;
            use $bindings as b;

            /// Converts the tool's description.
            pub fn describe<T: $crate::Tool>() -> t::ToolInfo {
                let info = T::describe();
                t::ToolInfo {
                    id: info.id.to_string(),
                    section: info.section.as_str().to_string(),
                    name: info.name.to_string(),
                    description: info.description.to_string(),
                    settings_schema: info.settings_schema.to_string(),
                    kind: kind(),
                    min_inputs: info.min_inputs,
                    max_inputs: info.max_inputs,
                    accepts: info.accepts.iter().map(|s| s.to_string()).collect(),
                    operations: T::OPERATIONS.iter().map(|s| s.to_string()).collect(),
                    produces: info.produces.types.iter().map(|s| s.to_string()).collect(),
                    produces_setting: info.produces.setting.map(str::to_string),
                }
            }

            fn kind() -> t::ToolKind {
                t::ToolKind::$kind
            }

            fn inputs_of(inputs: Vec<t::InputFile>) -> Vec<$crate::Input> {
                inputs
                    .into_iter()
                    .map(|f| $crate::Input {
                        name: f.name,
                        media_type: f.media_type,
                        data: f.data,
                    })
                    .collect()
            }

            fn settings_or_empty(settings: String) -> String {
                if settings.trim().is_empty() {
                    "{}".to_string()
                } else {
                    settings
                }
            }

            fn output_of(out: $crate::Output) -> t::ToolOutput {
                t::ToolOutput {
                    files: out
                        .files
                        .into_iter()
                        .map(|f| t::OutputFile {
                            name: f.name,
                            media_type: f.media_type,
                            data: f.data,
                        })
                        .collect(),
                    extra: out
                        .extra
                        .map(|m| $crate::__serde_json::Value::Object(m).to_string())
                        .unwrap_or_default(),
                }
            }

            /// Runs the tool, checking input counts and types first.
            pub fn run<T: $crate::Tool>(
                inputs: Vec<t::InputFile>,
                settings: String,
            ) -> Result<t::ToolOutput, t::ToolError> {
                let inputs = inputs_of(inputs);
                let info = T::describe();
                $crate::check_input_count(&info, &inputs).map_err(error)?;
                let out = T::run(inputs, &settings_or_empty(settings)).map_err(error)?;
                Ok(output_of(out))
            }

            /// Runs one of the tool's operations (sub-routes).
            pub fn run_operation<T: $crate::Tool>(
                operation: String,
                inputs: Vec<t::InputFile>,
                settings: String,
            ) -> Result<t::ToolOutput, t::ToolError> {
                if !T::OPERATIONS.contains(&operation.as_str()) {
                    return Err(error($crate::ToolError::UnsupportedInput(format!(
                        "this tool has no operation '{operation}'"
                    ))));
                }
                let out =
                    T::run_operation(&operation, inputs_of(inputs), &settings_or_empty(settings))
                        .map_err(error)?;
                Ok(output_of(out))
            }

            /// The WIT error type of this world.
            pub type ToolErrorOf = t::ToolError;

            /// Converts an SDK error into this world's WIT error.
            pub fn to_wit_error(e: $crate::ToolError) -> t::ToolError {
                error(e)
            }

            fn error(e: $crate::ToolError) -> t::ToolError {
                match e {
                    $crate::ToolError::InvalidSettings(m) => t::ToolError::InvalidSettings(m),
                    $crate::ToolError::UnsupportedInput(m) => t::ToolError::UnsupportedInput(m),
                    $crate::ToolError::TooLarge(m) => t::ToolError::TooLarge(m),
                    $crate::ToolError::Failed(m) => t::ToolError::Failed(m),
                }
            }
        }
    };
}

__world_glue!(pure_glue, crate::pure, Pure);
