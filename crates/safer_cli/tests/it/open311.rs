//! Open311 GeoReport v2 round trip with a stock HTTP client (curl) against a real server on
//! loopback: list services, post a request with the spec's field names and an API key made by
//! `safer open311 add`, read its status; invalid requests get the spec's error format.

use std::process::Command;

use serde_json::Value;

use crate::support::{front_door_server, ok, safer};

fn curl(args: &[&str]) -> (u16, Value) {
    let output = Command::new("curl")
        .args(["-sS", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs (scripts/test installs it)");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status.parse().unwrap(), json)
}

#[test]
fn a_stock_client_posts_a_report_and_reads_its_status() {
    let server = front_door_server();
    let (dir, url) = (&server.dir, server.url.clone());
    // The key, as an administrator makes it.
    let added = ok(&safer(
        dir.path(),
        &["--database-url", &url, "open311", "add", "--name", "FixMyStreet"],
    ));
    let key = added.lines().last().unwrap().trim().to_string();
    assert_eq!(key.len(), 64, "{added}");
    let base = format!("{}/open311/v2", server.base);

    let (status, services) = curl(&[&format!("{base}/services.json")]);
    assert_eq!(status, 200);
    let codes: Vec<&str> =
        services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"noise"), "{services}");
    assert!(!codes.contains(&"violence"), "crimes go to the police, not here");
    for field in ["service_name", "description", "metadata", "type", "keywords", "group"] {
        assert!(services[0].get(field).is_some(), "{field}");
    }
    let (status, definition) = curl(&[&format!("{base}/services/noise.json")]);
    assert_eq!((status, definition["service_code"].as_str()), (200, Some("noise")));

    let (status, created) = curl(&[
        "-X",
        "POST",
        &format!("{base}/requests.json"),
        "--data-urlencode",
        &format!("api_key={key}"),
        "--data-urlencode",
        "service_code=noise",
        "--data-urlencode",
        "lat=51.27231",
        "--data-urlencode",
        "long=0.52283",
        "--data-urlencode",
        "address_string=Week Street, Maidstone",
        "--data-urlencode",
        "description=Amplified music from a car park every night",
        "--data-urlencode",
        "email=resident@example.org",
        "--data-urlencode",
        "first_name=Jo",
        "--data-urlencode",
        "last_name=Resident",
    ]);
    assert_eq!(status, 201, "{created}");
    let id = created[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("R-"), "{created}");
    assert!(created[0].get("service_notice").is_some() && created[0].get("account_id").is_some());

    let (status, read) = curl(&[&format!("{base}/requests/{id}.json")]);
    assert_eq!(status, 200, "{read}");
    let request = &read[0];
    assert_eq!(request["service_request_id"], id.as_str());
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_code"], "noise");
    assert_eq!(request["lat"].as_f64(), Some(51.272), "rounded to about 100 m");
    assert!(request["requested_datetime"].as_str().unwrap().contains('T'));
    let text = read.to_string();
    assert!(
        !text.contains("Resident") && !text.contains("example.org") && !text.contains("music"),
        "{text}"
    );
    let (status, listed) = curl(&[&format!("{base}/requests.json?status=open")]);
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Invalid requests: the spec's error format, with the HTTP status as its code.
    let post = |fields: &[&str]| {
        let mut args = vec!["-X".to_string(), "POST".to_string(), format!("{base}/requests.json")];
        for field in fields {
            args.push("--data-urlencode".to_string());
            args.push(field.to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(&refs)
    };
    let (status, error) = post(&["service_code=noise", "lat=51.27", "long=0.52"]);
    assert_eq!(status, 403);
    assert_eq!(error[0]["code"], 403);
    assert!(error[0]["description"].as_str().unwrap().contains("api_key"));
    let (status, error) = post(&[&format!("api_key={key}"), "service_code=noise"]);
    assert_eq!((status, error[0]["code"].as_u64()), (400, Some(400)), "{error}");
    let (status, error) =
        post(&[&format!("api_key={key}"), "service_code=violence", "lat=51.27", "long=0.52"]);
    assert_eq!((status, error[0]["code"].as_u64()), (404, Some(404)), "{error}");
    let (status, error) =
        post(&[&format!("api_key={key}"), "service_code=noise", "lat=951", "long=0.52"]);
    assert_eq!(status, 400, "{error}");
    let (status, error) = curl(&[&format!("{base}/requests/R-NOPE-NOPE.json")]);
    assert_eq!((status, error[0]["code"].as_u64()), (404, Some(404)));
    let (status, error) = curl(&[
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        "{}",
        &format!("{base}/requests.json"),
    ]);
    assert_eq!((status, error[0]["code"].as_u64()), (415, Some(415)));
    let listed = ok(&safer(dir.path(), &["--database-url", &url, "open311", "list"]));
    assert!(listed.contains("active") && listed.contains("FixMyStreet"), "{listed}");
    assert!(listed.contains("1000 requests an hour"), "the default limit: {listed}");
    let relay = ok(&safer(
        dir.path(),
        &["--database-url", &url, "open311", "add", "--name", "Relay", "--no-limit"],
    ));
    assert!(relay.contains("no hourly limit"), "{relay}");
    let zero = safer(
        dir.path(),
        &["--database-url", &url, "open311", "add", "--name", "Z", "--per-hour", "0"],
    );
    assert!(!zero.status.success(), "a limit of 0 is refused");
    let revoked = ok(&safer(dir.path(), &["--database-url", &url, "open311", "revoke", "1"]));
    assert!(revoked.contains("Revoked"));
    let (status, _) =
        post(&[&format!("api_key={key}"), "service_code=noise", "lat=51.27", "long=0.52"]);
    assert_eq!(status, 403, "a revoked key is refused");
}
