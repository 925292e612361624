//! `charla serve`: the WhatsApp webhook, the outbox sender, the operator API and the doors
//! for other AI agents (MCP at `/mcp`, WebMCP) on one address. Deliveries are committed before they are acknowledged; work left by a previous
//! process (unanswered messages, unsent replies) is picked up at start.

use crate::agent_setup;
use crate::mcp_setup;
use crate::settings::Settings;
use anyhow::{Context, Result, bail};
use charla_agent::operator::{OperatorHub, OperatorState, OperatorTokens, StoreOnlySender};
use charla_agent::server::{self, ServerState, WebhookSecrets};
use charla_agent::whatsapp::channel::{ChannelConfig, WhatsAppChannel};
use charla_agent::whatsapp::cloud_api::{CloudApiClient, CloudApiConfig};
use charla_agent::whatsapp::cloud_sender::CloudSender;
use charla_agent::whatsapp::operator_sender::WhatsAppOperatorSender;
use charla_agent::whatsapp::store::ChannelStore;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Arguments of `charla serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen (port 0 picks a free one; the address is printed).
    #[arg(
        long,
        env = "CHARLA_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "HOST:PORT"
    )]
    addr: SocketAddr,
    /// Development only: accept webhook deliveries without a valid X-Hub-Signature-256.
    #[arg(long)]
    insecure_skip_signature: bool,
    /// Messages of one customer closer than this (milliseconds) are answered as one turn.
    #[arg(
        long,
        env = "CHARLA_DEBOUNCE_MS",
        default_value_t = 1500,
        value_name = "MS"
    )]
    debounce_ms: u64,
}

/// Runs the server until Ctrl-C.
pub async fn run(settings: &Settings, args: ServeArgs) -> Result<ExitCode> {
    let app_secret = env("WHATSAPP_APP_SECRET");
    if app_secret.is_none() && !args.insecure_skip_signature {
        bail!(
            "WHATSAPP_APP_SECRET is not set: webhook signatures cannot be checked (use --insecure-skip-signature only in development)"
        );
    }
    if args.insecure_skip_signature {
        tracing::warn!(
            "--insecure-skip-signature: webhook deliveries are NOT authenticated; never use this in production"
        );
        eprintln!("warning: --insecure-skip-signature: webhook deliveries are not authenticated");
    }
    let secrets = WebhookSecrets {
        verify_token: env("WHATSAPP_VERIFY_TOKEN"),
        app_secret,
        skip_signature: args.insecure_skip_signature,
    };

    let runtime = agent_setup::open(settings).await?;
    let mut cloud = CloudApiConfig::new(env("WHATSAPP_ACCESS_TOKEN").unwrap_or_default());
    if let Some(base_url) = env("WHATSAPP_API_BASE_URL") {
        cloud.base_url = base_url;
    }
    if let Some(rate) = env("WHATSAPP_MESSAGES_PER_SECOND") {
        cloud.messages_per_second = rate.parse().with_context(|| {
            format!("WHATSAPP_MESSAGES_PER_SECOND={rate:?} is not a number of messages per second")
        })?;
    }
    let client = CloudApiClient::new(cloud).context("WhatsApp Cloud API client")?;
    let store = ChannelStore::new(&runtime.store);
    let config = ChannelConfig {
        debounce: Duration::from_millis(args.debounce_ms),
        ..ChannelConfig::default()
    };
    let channel = WhatsAppChannel::new(
        runtime.agent.clone(),
        store,
        Arc::new(CloudSender::new(client)),
        config,
    );
    let operators = match env("CHARLA_OPERATOR_TOKENS") {
        Some(list) => {
            let tokens = OperatorTokens::parse(&list).context("CHARLA_OPERATOR_TOKENS")?;
            let hub = OperatorHub::default();
            channel.notify_operators(hub.clone());
            let default_language = runtime
                .business
                .as_ref()
                .map(|b| b.default_language.clone())
                .unwrap_or_else(|| "en".into());
            let sender = WhatsAppOperatorSender::new(channel.clone(), default_language);
            Some(
                OperatorState::new(&runtime.agent, tokens, hub)
                    .with_sender("whatsapp", Arc::new(sender))
                    .with_sender("chat", Arc::new(StoreOnlySender)),
            )
        }
        None => {
            eprintln!("note: CHARLA_OPERATOR_TOKENS is not set: the operator API is off");
            None
        }
    };
    channel
        .start()
        .await
        .context("starting the WhatsApp channel")?;

    let hub = operators.as_ref().map(|o| o.hub().clone());
    let business = mcp_setup::business_name(&runtime, &settings.business);
    let shutdown = CancellationToken::new();
    let agents_doors = mcp_setup::doors(
        mcp_setup::server(&runtime, &business),
        &business,
        shutdown.clone(),
    )?;
    let router = server::router(ServerState {
        channel,
        whatsapp: Arc::new(secrets),
        operators,
    })
    .merge(agents_doors);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let local = listener.local_addr()?;
    // Scripts and tests read this line to find the port.
    eprintln!("charla listening on http://{local}");
    // Browser sessions are rate-limited by address.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
            // Open event streams would otherwise hold the shutdown.
            if let Some(hub) = hub {
                hub.shut_down();
            }
        })
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
