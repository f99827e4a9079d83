//! AMQPS with client certificates: an agency's certificate is its login (EXTERNAL); without a
//! valid one nobody connects; with one, an agency still cannot leave its lane.

use e2e::TestEnv;
use lapin::BasicProperties;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;

fn login(user: &schemas::AgencyId) -> broker::Credentials {
    broker::Credentials {
        user: user.to_string(),
        password: String::new(),
    }
}

#[tokio::test]
async fn an_agency_logs_in_with_its_certificate_and_stays_in_its_lane() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let endpoint = env.tls_endpoint(env.client_tls(a.prison.as_str()));
    let prison = broker::connect(&endpoint, &login(&a.prison), "tls test")
        .await
        .expect("certificate login");

    let publish = |exchange: String, props: BasicProperties| {
        let prison = &prison;
        async move {
            let channel = prison.create_channel().await.map_err(|e| e.to_string())?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            let confirm = channel
                .basic_publish(
                    exchange.as_str().into(),
                    "".into(),
                    BasicPublishOptions::default(),
                    b"{}",
                    props,
                )
                .await
                .map_err(|e| e.to_string())?;
            confirm.await.map(|_| ()).map_err(|e| e.to_string())
        }
    };
    publish(
        broker::topology::submit_exchange(&a.prison),
        BasicProperties::default(),
    )
    .await
    .expect("its own exchange");
    let forged = BasicProperties::default().with_user_id(a.municipality.as_str().into());
    let err = publish(broker::topology::submit_exchange(&a.prison), forged)
        .await
        .unwrap_err();
    assert!(err.contains("PRECONDITION_FAILED"), "{err}");
    let err = publish(
        broker::topology::submit_exchange(&a.municipality),
        BasicProperties::default(),
    )
    .await
    .unwrap_err();
    assert!(err.contains("ACCESS_REFUSED"), "{err}");

    let channel = prison.create_channel().await.unwrap();
    let err = channel
        .basic_consume(
            env.inbox(&a.municipality).as_str().into(),
            "spy".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect_err("another agency's inbox");
    assert!(err.to_string().contains("ACCESS_REFUSED"), "{err}");
}

#[tokio::test]
async fn without_a_valid_certificate_nobody_connects() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let valid = env.client_tls(a.prison.as_str());

    // A certificate from a CA the broker does not trust.
    let dir = std::env::temp_dir().join(format!("handover-foreign-ca-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        ])
        .arg(format!("/CN={}", a.prison))
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let foreign = broker::TlsFiles {
        cert_file: dir.join("cert.pem"),
        key_file: dir.join("key.pem"),
        ..valid.clone()
    };
    let refused = broker::connect(&env.tls_endpoint(foreign), &login(&a.prison), "foreign").await;
    assert!(
        refused.is_err(),
        "a certificate from a foreign CA was accepted"
    );
    std::fs::remove_dir_all(dir).unwrap();

    // A valid certificate for a name that is no broker user.
    let stranger = schemas::AgencyId::try_from(format!("{}-stranger", a.prison)).unwrap();
    let refused = broker::connect(
        &env.tls_endpoint(env.client_tls(stranger.as_str())),
        &login(&stranger),
        "x",
    )
    .await;
    assert!(
        refused.is_err(),
        "a certificate for an unknown user was accepted"
    );

    // No client certificate at all, even with the agency's valid password: refused.
    let password = env.credentials(&a.prison).password;
    let uri = lapin::uri::AMQPUri {
        scheme: lapin::uri::AMQPScheme::AMQPS,
        authority: lapin::uri::AMQPAuthority {
            userinfo: lapin::uri::AMQPUserInfo {
                username: a.prison.to_string(),
                password,
            },
            host: "localhost".into(),
            port: env.tls_endpoint(valid.clone()).port,
        },
        vhost: env.vhost.clone(),
        query: Default::default(),
    };
    let no_identity = lapin::tcp::OwnedTLSConfig {
        identity: None,
        cert_chain: Some(std::fs::read_to_string(&valid.ca_file).unwrap()),
    };
    let refused = lapin::Connection::connect_uri_with_config(
        uri,
        lapin::ConnectionProperties::default(),
        no_identity,
        lapin::runtime::default_runtime().unwrap(),
    )
    .await;
    assert!(
        refused.is_err(),
        "a client without a certificate was accepted"
    );
}

#[tokio::test]
async fn hub_and_agents_route_over_amqps_with_certificates() {
    let mut env = TestEnv::new().await;
    let hub = env.start_hub_over_tls().await;
    let a = env.agencies.clone();
    let prison = env.start_agent_over_tls(&a.prison).await;
    let municipality = env.start_agent_over_tls(&a.municipality).await;
    let id = prison.send(&env.release_notice(&[&a.municipality])).await;
    municipality.receives(id).await;
    let answer = prison.answer_to(id).await;
    assert_eq!(e2e::refusal(&answer), None);
    hub.stop().await;
}
