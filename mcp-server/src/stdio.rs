//! The stdio transport: `charla mcp` speaks MCP on its standard input and output, as MCP
//! clients launch local servers. Nothing else may write to stdout, so logs go to stderr.

use crate::handler::CharlaMcp;
use rmcp::ServiceExt;
use rmcp::transport::io::stdio_pipes;

/// Why the stdio server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    /// The client never completed the protocol's start.
    #[error("the MCP client did not start a session: {0}")]
    Start(#[from] Box<rmcp::service::ServerInitializeError>),
    /// The server's task failed.
    #[error("the MCP server stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Serves `server` on stdin/stdout until the client closes them. Pipes (how MCP clients
/// start servers) are driven without blocking threads; anything else falls back to the
/// standard handles.
pub async fn serve_stdio(server: CharlaMcp) -> Result<(), StdioError> {
    let running = server.serve(stdio_pipes()).await.map_err(Box::new)?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "MCP stdio session ended");
    Ok(())
}
