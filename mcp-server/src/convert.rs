//! Tool specs and results in MCP's shapes: one place that decides what an MCP `Tool` and a
//! `CallToolResult` look like, used by the MCP handler and by the WebMCP endpoint alike.

use charla_tools::{ToolError, ToolSpec};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use std::sync::Arc;

/// The MCP tool a spec describes: name, title, description, input and output schemas and
/// annotations (read-only, destructive, idempotent, open-world).
pub fn mcp_tool(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title.clone())
        .read_only(spec.annotations.read_only_hint)
        .destructive(spec.annotations.destructive_hint)
        .idempotent(spec.annotations.idempotent_hint)
        .open_world(spec.annotations.open_world_hint);
    let mut tool = Tool::new(
        spec.name.clone(),
        spec.description.clone(),
        Arc::new(schema_object(&spec.input_schema)),
    )
    .with_title(spec.title.clone())
    .with_annotations(annotations);
    let output = schema_object(&spec.output_schema);
    if !output.is_empty() {
        tool = tool.with_raw_output_schema(Arc::new(output));
    }
    tool
}

/// A schema as a JSON object; the registry's schemas always are, and anything else would be
/// a bug, so it degrades to the empty schema instead of failing a listing.
fn schema_object(schema: &serde_json::Value) -> JsonObject {
    schema.as_object().cloned().unwrap_or_default()
}

/// A successful call: the structured result, and the same as JSON text for clients that
/// only read `content`.
pub fn success(output: serde_json::Value) -> CallToolResult {
    let text = serde_json::to_string_pretty(&output).unwrap_or_else(|_| output.to_string());
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(output);
    result
}

/// A failed call as a tool error (`isError: true`) whose message, starting with the kind
/// ("invalid arguments: ...", "not found: ..."), the calling model can read and act on. No
/// structured content: it would have to match the tool's output schema.
pub fn failure(error: &ToolError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(error.to_string())])
}
