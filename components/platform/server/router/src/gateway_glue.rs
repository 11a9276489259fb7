//! The glue every tool gateway shares, written once as a macro because each gateway crate
//! has its own generated bindings of `lathe:tool` (their types differ per crate).

/// Expands, in a gateway crate whose `wit_bindgen::generate!` produced `lathe::tool::tool`
/// and `lathe::tool::types`, the functions `catalog_entry()`, `outcome_of()`,
/// `take_inputs()` and `run_tool(&Request)` (describe, operations and buffered runs).
#[macro_export]
macro_rules! tool_gateway_glue {
    () => {
        fn catalog_entry() -> $crate::catalog::CatalogEntry {
            let info = lathe::tool::tool::describe();
            $crate::catalog::CatalogEntry {
                settings_schema: $crate::catalog::CatalogEntry::parse_schema(&info.settings_schema),
                kind: match info.kind {
                    lathe::tool::types::ToolKind::Pure => $crate::layout::ToolKind::Pure,
                    lathe::tool::types::ToolKind::Native => $crate::layout::ToolKind::Native,
                },
                id: info.id,
                section: info.section,
                name: info.name,
                description: info.description,
                min_inputs: info.min_inputs,
                max_inputs: info.max_inputs,
                accepts: info.accepts,
                operations: info.operations,
                produces: Some(info.produces),
                produces_setting: info.produces_setting,
            }
        }

        type Outcome = $crate::ApiResult<(Vec<$crate::jobs::NewFile>, ::serde_json::Value)>;

        /// Converts the tool's answer into files and extra JSON, or the API error for its typed error.
        fn outcome_of(
            result: Result<lathe::tool::types::ToolOutput, lathe::tool::types::ToolError>,
        ) -> Outcome {
            match result {
                Ok(output) => {
                    let extra: ::serde_json::Value = if output.extra.is_empty() {
                        ::serde_json::Value::Object(Default::default())
                    } else {
                        ::serde_json::from_str(&output.extra).map_err($crate::ApiError::internal)?
                    };
                    let files = output
                        .files
                        .into_iter()
                        .map(|f| $crate::jobs::NewFile {
                            name: f.name,
                            media_type: f.media_type,
                            data: f.data,
                        })
                        .collect();
                    Ok((files, extra))
                }
                Err(error) => {
                    use lathe::tool::types::ToolError;
                    use $crate::layout::ErrorKind;
                    let (kind, detail) = match &error {
                        ToolError::InvalidSettings(m) => (ErrorKind::InvalidSettings, m),
                        ToolError::UnsupportedInput(m) => (ErrorKind::UnsupportedInput, m),
                        ToolError::TooLarge(m) => (ErrorKind::TooLarge, m),
                        ToolError::Failed(m) => (ErrorKind::ProcessingFailed, m),
                    };
                    Err($crate::tool_route::tool_error(kind, detail))
                }
            }
        }

        /// Moves the uploaded bytes into the WIT input records (no copy).
        fn take_inputs(
            call: &mut $crate::tool_route::ToolCall,
        ) -> Vec<lathe::tool::types::InputFile> {
            call.request
                .files
                .iter_mut()
                .map(|f| lathe::tool::types::InputFile {
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    data: std::mem::take(&mut f.data),
                })
                .collect()
        }

        fn run_tool(
            req: &::spin_sdk::http::Request,
        ) -> $crate::ApiResult<::spin_sdk::http::Response> {
            let entry = catalog_entry();
            match $crate::tool_route::action(req, &entry)? {
                $crate::tool_route::Action::Describe => {
                    $crate::tool_route::describe(&$crate::store::open()?, &entry)
                }
                $crate::tool_route::Action::Run => {
                    let mut call = $crate::tool_route::prepare(req, &entry)?;
                    let tool = entry.tool_key();
                    if $crate::tool_route::wants_async(req) {
                        // The worker pool runs it (it runs pure tools too).
                        return $crate::tool_route::idempotent(req, &call, || {
                            $crate::tool_route::enqueue(&call, &tool)
                        });
                    }
                    let (key, fingerprint) = $crate::tool_route::idempotency_of(req, &call)?;
                    let inputs = take_inputs(&mut call);
                    $crate::idempotency::once(
                        &call.store,
                        call.blobs.as_ref(),
                        &call.principal,
                        key,
                        fingerprint,
                        || {
                            let outcome =
                                outcome_of(lathe::tool::tool::run(&inputs, &call.request.settings));
                            $crate::tool_route::finish(&call, &tool, outcome)
                        },
                    )
                }
                $crate::tool_route::Action::Batch => {
                    $crate::batch::submit(req, &entry, &entry.tool_key())
                }
                $crate::tool_route::Action::Operation { name, rest } => {
                    let mut call = $crate::tool_route::prepare_operation(req, &entry, &rest)?;
                    let inputs = take_inputs(&mut call);
                    let (files, extra) = outcome_of(lathe::tool::tool::run_operation(
                        &name,
                        &inputs,
                        &call.request.settings,
                    ))?;
                    $crate::tool_route::operation_response(files, extra)
                }
            }
        }
    };
}
