//! `charla search QUERY`: hybrid search over the business's knowledge, for people (default)
//! or scripts (`--json`).

use crate::knowledge_setup::{self, Purpose};
use crate::settings::Settings;
use anyhow::Result;
use charla_knowledge::Kind;
use charla_knowledge::index::{Hit, SearchFilter, SearchMode};
use charla_knowledge::search::{SearchRequest, SearchResults, Searcher};
use std::process::ExitCode;

/// Arguments of `charla search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to look for, in any language.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// How many results.
    #[arg(long, short = 'k', default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    top_k: u16,
    /// Only this kind: catalog, faq or policy (repeatable).
    #[arg(long, value_name = "KIND")]
    kind: Vec<Kind>,
    /// Only this product category.
    #[arg(long)]
    category: Option<String>,
    /// Only chunks in this language (ISO 639-1, e.g. en).
    #[arg(long)]
    locale: Option<String>,
    /// Lowest price.
    #[arg(long)]
    min_price: Option<f64>,
    /// Highest price.
    #[arg(long)]
    max_price: Option<f64>,
    /// Only products in stock.
    #[arg(long)]
    in_stock: bool,
    /// Retrieval mode.
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    mode: ModeArg,
    /// Print a JSON array instead of text.
    #[arg(long)]
    json: bool,
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    /// Meaning and keywords, fused.
    Hybrid,
    /// Meaning only (needs the embedding model).
    Dense,
    /// Keywords only (BM25).
    Bm25,
}

/// Runs the command.
pub async fn run(settings: &Settings, args: SearchArgs) -> Result<ExitCode> {
    let knowledge = knowledge_setup::open(settings, Purpose::Search).await?;
    let searcher = Searcher::new(knowledge.index.clone(), knowledge.embedder.clone());
    if !searcher.has_dense() && !matches!(args.mode, ModeArg::Bm25) {
        eprintln!(
            "note: searching with BM25 only ({})",
            knowledge.dense_status
        );
    }
    let request = SearchRequest {
        query: args.query.join(" "),
        top_k: usize::from(args.top_k),
        mode: match args.mode {
            ModeArg::Hybrid => SearchMode::Hybrid,
            ModeArg::Dense => SearchMode::Dense,
            ModeArg::Bm25 => SearchMode::Sparse,
        },
        filter: SearchFilter {
            kinds: args.kind,
            category: args.category.map(|c| c.trim().to_lowercase()),
            locale: args.locale,
            min_price: args.min_price,
            max_price: args.max_price,
            in_stock: args.in_stock,
            source: None,
        },
    };
    let results = searcher.search(&request).await?;
    if args.json {
        let hits: Vec<_> = results.hits.iter().map(hit_json).collect();
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else {
        print_human(&request.query, &results);
    }
    Ok(ExitCode::SUCCESS)
}

fn hit_json(hit: &Hit) -> serde_json::Value {
    serde_json::json!({
        "id": hit.chunk.id,
        "kind": hit.chunk.kind,
        "title": hit.chunk.title,
        "source": hit.chunk.source,
        "score": hit.score,
        "locale": hit.chunk.locale,
        "text": hit.chunk.text,
        "fields": hit.chunk.fields,
    })
}

fn print_human(query: &str, results: &SearchResults) {
    if results.hits.is_empty() {
        println!("No results for {query:?}.");
        return;
    }
    for (rank, hit) in results.hits.iter().enumerate() {
        let chunk = &hit.chunk;
        println!(
            "{}. {} [{}] {}  (score {:.3})",
            rank + 1,
            chunk.title,
            chunk.kind,
            chunk.source,
            hit.score
        );
        let facts = product_facts(chunk);
        if !facts.is_empty() {
            println!("   {facts}");
        }
        println!("   {}", snippet(&chunk.text, 200));
    }
    eprintln!(
        "({} results, {:?} search, query language {}, embedding {:.1} ms, index {:.1} ms)",
        results.hits.len(),
        results.mode,
        results.query_locale.unwrap_or("unknown"),
        results.embed_time.as_secs_f64() * 1e3,
        results.index_time.as_secs_f64() * 1e3,
    );
}

/// SKU, price and stock of a product, for the human listing.
fn product_facts(chunk: &charla_knowledge::Chunk) -> String {
    let field = |name: &str| {
        chunk.fields.get(name).map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
    };
    let mut facts = Vec::new();
    if let Some(sku) = field("sku") {
        facts.push(format!("SKU {sku}"));
    }
    if let Some(price) = chunk.price() {
        facts.push(
            format!("{price:.2} {}", field("currency").unwrap_or_default())
                .trim_end()
                .to_string(),
        );
    }
    match (field("stock"), chunk.in_stock()) {
        (Some(stock), _) => facts.push(format!("stock {stock}")),
        (None, Some(true)) => facts.push("in stock".into()),
        (None, Some(false)) => facts.push("out of stock".into()),
        (None, None) => {}
    }
    facts.join(" · ")
}

fn snippet(text: &str, max_chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}
