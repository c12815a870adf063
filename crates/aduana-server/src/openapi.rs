//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations. The schemas of the domain
//! types (`Consignment`, `Assessment`) come from their `schemars` derives in `aduana-core`, so the document and the
//! canonical JSON cannot drift apart.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Aduana", description = "Customs risk management: submit consignments, read assessments, record decisions and examinations."),
    paths(
        api::consignments::submit, api::consignments::list, api::consignments::get,
        api::assessments::list,
        api::decisions::record, api::decisions::list,
        api::examinations::order, api::examinations::list, api::examinations::get, api::examinations::record_result,
        api::audit::export, api::audit::verify,
        api::cash::record, api::cash::list, api::cash::get, api::cash::share, api::cash::structuring, api::cash::report,
        api::exchange::node, api::exchange::groups, api::exchange::create_group, api::exchange::add_member,
        api::exchange::remove_member, api::exchange::send, api::exchange::inbox, api::exchange::sent,
        api::exchange::outbox,
        api::cases::create, api::cases::search, api::cases::get, api::cases::update, api::cases::assign,
        api::cases::note, api::cases::links, api::cases::entities, api::cases::statistics, api::cases::export,
        api::cases::import,
        api::case_images::upload, api::case_images::list, api::case_images::get, api::case_images::thumbnail,
        api::session::login, api::session::logout, api::session::me,
        api::users::create,
        api::profiles::list, api::profiles::create, api::profiles::get, api::profiles::edit, api::profiles::versions,
        api::profiles::activate, api::profiles::deactivate, api::profiles::backtest,
        api::lists::upload, api::lists::list, api::lists::uploads,
        api::aeo::upload, api::aeo::current, api::aeo::lookup,
        api::service::health, api::service::metrics, api::service::openapi,
    ),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

/// Returns the OpenAPI document as JSON text.
pub(crate) fn document() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    for (name, schema) in [
        ("Consignment", schemars::schema_for!(aduana_core::Consignment)),
        ("Assessment", schemars::schema_for!(aduana_core::Assessment)),
        ("CashRecord", schemars::schema_for!(aduana_enforcement::cash::CashRecord)),
    ] {
        let mut schema = serde_json::to_value(schema).unwrap_or_default();
        let definitions = schema.as_object_mut().and_then(|o| {
            o.remove("$schema");
            o.remove("$defs")
        });
        let schemas = &mut doc["components"]["schemas"];
        if let Some(serde_json::Value::Object(definitions)) = definitions {
            for (def_name, def) in definitions {
                schemas[def_name] = def;
            }
        }
        schemas[name] = schema;
    }
    rewrite_refs(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Points `schemars`' `#/$defs/X` references at `#/components/schemas/X`.
fn rewrite_refs(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "$ref" {
                    if let serde_json::Value::String(target) = inner {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            *target = format!("#/components/schemas/{name}");
                        }
                    }
                } else {
                    rewrite_refs(inner);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_reference_in_the_document_resolves() {
        let doc: serde_json::Value = serde_json::from_str(&super::document()).expect("JSON");
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.iter().any(|r| r == "#/components/schemas/Consignment"));
        for reference in refs {
            let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{reference}"));
            assert!(doc["components"]["schemas"].get(name).is_some(), "{reference} does not resolve");
        }
        assert!(doc["paths"]["/api/consignments"]["post"].is_object());
    }

    fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", serde_json::Value::String(target)) => out.push(target.clone()),
                        _ => collect_refs(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
            _ => {}
        }
    }
}
