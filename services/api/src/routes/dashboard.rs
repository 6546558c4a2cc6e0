//! The dashboard page, its script and style, and the OpenAPI description, all embedded in the
//! binary (no CDN, nothing fetched at run time).

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{CSP, DASHBOARD_CSP};

/// The dashboard page.
pub const INDEX_HTML: &str = include_str!("../../assets/index.html");
/// The dashboard's script.
pub const DASHBOARD_JS: &str = include_str!("../../assets/dashboard.js");
/// The dashboard's style.
pub const DASHBOARD_CSS: &str = include_str!("../../assets/dashboard.css");
/// The OpenAPI 3 description of every route.
pub const OPENAPI_JSON: &str = include_str!("../../assets/openapi.json");

/// `GET /`.
pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (CSP, DASHBOARD_CSP),
        ],
        INDEX_HTML,
    )
        .into_response()
}

/// `GET /assets/dashboard.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        DASHBOARD_JS,
    )
        .into_response()
}

/// `GET /assets/dashboard.css`.
pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        DASHBOARD_CSS,
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ROUTES;

    #[test]
    fn openapi_documents_every_route_and_only_those() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, item) in paths {
            for method in item.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        documented.sort();
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        routes.sort();
        assert_eq!(documented, routes);
    }

    #[test]
    fn page_loads_nothing_from_elsewhere() {
        for asset in [INDEX_HTML, DASHBOARD_JS, DASHBOARD_CSS] {
            assert!(!asset.contains("http://"), "absolute URL in an asset");
            assert!(!asset.contains("https://"), "absolute URL in an asset");
            assert!(!asset.contains("//cdn"), "CDN in an asset");
        }
        assert!(INDEX_HTML.contains("/assets/dashboard.js"));
        assert!(INDEX_HTML.contains("/assets/dashboard.css"));
    }
}
