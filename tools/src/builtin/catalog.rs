//! `catalog_search`: products of the business's catalog, with price, stock and link.

use super::{optional_category, optional_locale, optional_max_price, required_text};
use crate::tool::{Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use charla_knowledge::Kind;
use charla_knowledge::index::SearchFilter;
use charla_knowledge::search::{SearchRequest, Searcher};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

/// Searches the catalog.
#[derive(Clone)]
pub struct CatalogSearch {
    searcher: Searcher,
}

impl CatalogSearch {
    /// The tool over `searcher`'s index.
    pub fn new(searcher: Searcher) -> Self {
        Self { searcher }
    }
}

/// Arguments of `catalog_search`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogSearchArgs {
    /// What the customer is looking for, in their words (any language), e.g. "helmet for a 5 year old".
    pub query: String,
    /// Only products of this category (e.g. "helmets").
    #[serde(default)]
    pub category: Option<String>,
    /// Only products costing at most this much, in the catalog's currency.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub max_price: Option<f64>,
    /// Only products in stock.
    #[serde(default)]
    pub in_stock_only: Option<bool>,
    /// Only product descriptions written in this language (ISO 639-1, e.g. "es"); any when omitted.
    #[serde(default)]
    pub locale: Option<String>,
    /// How many products to return (1-20, default 5).
    #[serde(default)]
    #[schemars(range(min = 1, max = 20))]
    pub limit: Option<u32>,
}

/// What `catalog_search` found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CatalogResults {
    /// Best match first; empty when nothing matched.
    pub items: Vec<CatalogItem>,
}

/// A product.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CatalogItem {
    /// The product's SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Its name.
    pub name: String,
    /// Its price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// The price's currency (ISO 4217).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Units in stock, when the catalog counts them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    /// Whether it can be bought now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_stock: Option<bool>,
    /// Its category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Its page on the website.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The catalog's description of it.
    pub text: String,
    /// The catalog file it comes from (cite it).
    pub source: String,
    /// How well it matches; only comparable within one search.
    pub score: f32,
}

const DEFAULT_LIMIT: u32 = 5;
const MAX_LIMIT: u32 = 20;

#[async_trait]
impl Tool for CatalogSearch {
    const NAME: &'static str = "catalog_search";
    type Args = CatalogSearchArgs;
    type Output = CatalogResults;

    fn title(&self) -> &'static str {
        "Search the catalog"
    }

    fn description(&self) -> &'static str {
        "Searches the business's product catalog and returns matching products with SKU, price, stock and \
         link. Use it for any question about products, prices or availability of items; never state a \
         price or stock level that this tool did not return."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::READ_ONLY
    }

    fn scope(&self) -> Scope {
        Scope::Read
    }

    async fn call(
        &self,
        _ctx: &ToolContext,
        args: CatalogSearchArgs,
    ) -> Result<CatalogResults, ToolError> {
        let query = required_text("query", &args.query, 500)?;
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ToolError::invalid(format!(
                "`limit` must be between 1 and {MAX_LIMIT}; got {limit}"
            )));
        }
        let filter = SearchFilter {
            kinds: vec![Kind::Catalog],
            category: optional_category(args.category),
            max_price: optional_max_price(args.max_price)?,
            in_stock: args.in_stock_only.unwrap_or(false),
            locale: optional_locale(args.locale.as_deref())?,
            ..SearchFilter::default()
        };
        // A long product can be split into several chunks: ask for a few more and keep one
        // hit per product.
        let mut request = SearchRequest::new(query);
        request.top_k = limit as usize + 5;
        request.filter = filter;
        let results = self
            .searcher
            .search(&request)
            .await
            .map_err(ToolError::unavailable)?;
        let mut seen = HashSet::new();
        let items = results
            .hits
            .into_iter()
            .filter(|hit| {
                let key =
                    text_field(&hit.chunk.fields, "sku").unwrap_or_else(|| hit.chunk.title.clone());
                seen.insert((hit.chunk.source.clone(), key))
            })
            .take(limit as usize)
            .map(|hit| {
                let fields = &hit.chunk.fields;
                CatalogItem {
                    sku: text_field(fields, "sku"),
                    name: text_field(fields, "name").unwrap_or_else(|| hit.chunk.title.clone()),
                    price: hit.chunk.price(),
                    currency: text_field(fields, "currency"),
                    stock: fields.get("stock").and_then(Value::as_i64),
                    in_stock: hit.chunk.in_stock(),
                    category: hit.chunk.category().map(str::to_string),
                    url: text_field(fields, "url"),
                    text: hit.chunk.text,
                    source: hit.chunk.source,
                    score: hit.score,
                }
            })
            .collect();
        Ok(CatalogResults { items })
    }
}

fn text_field(fields: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
