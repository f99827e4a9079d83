//! Onboarding with the agency's own key: `agent enroll` makes the key and request at the
//! agency, `hub agency certify` signs it with the CA, the agent logs in with the bundle; then
//! `hub agency disable` stops it at once (its records kept), `remove` also deletes its broker user
//! and inbox (its records kept), and `enable` lets it back.

use std::path::PathBuf;

use e2e::{DEADLINE, TestEnv, eventually};

fn login(agency: &schemas::AgencyId) -> broker::Credentials {
    broker::Credentials {
        user: agency.to_string(),
        password: String::new(),
    }
}

#[tokio::test]
async fn an_agency_enrolls_is_certified_works_then_is_disabled_removed_and_enabled() {
    let mut env = TestEnv::new().await;
    let hub = env.start_hub_over_tls().await;
    let a = env.agencies.clone();
    let municipality = env.start_agent_over_tls(&a.municipality).await;

    // At the agency: its key and request.
    let scratch = std::env::temp_dir().join(format!("onboarding-{}", uuid::Uuid::new_v4()));
    let enrolled = agent::enroll::write(&scratch.join("agency"), &a.prison).unwrap();
    // At the hub: certified with the development CA (start_hub_over_tls made it).
    let pki = PathBuf::from(std::env::var("HANDOVER_PKI_DIR").unwrap());
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    let bundle_dir = scratch.join("bundle");
    let certify = |out: PathBuf, csr: String| {
        let (pool, ca, ca_key) = (
            &env.pool,
            read(pki.join("ca.pem")),
            read(pki.join("ca.key")),
        );
        async move { hub::agency::certify(pool, "", &csr, &ca, &ca_key, 2, &out).await }
    };
    certify(bundle_dir.clone(), read(enrolled.csr.clone()))
        .await
        .expect("certified");
    assert_eq!(read(bundle_dir.join("inbox")), env.inbox(&a.prison));
    // Refused: an existing bundle directory, and a request for an agency never registered.
    let again = certify(bundle_dir.clone(), read(enrolled.csr.clone())).await;
    assert!(again.unwrap_err().to_string().contains("exists"));
    let stranger = schemas::AgencyId::try_from(format!("{}-stranger", a.prison)).unwrap();
    let stranger_csr = agent::enroll::make_request(&stranger).unwrap().csr_pem;
    let unknown = certify(scratch.join("stranger"), stranger_csr).await;
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("not a registered agency")
    );

    // The agent with the bundle's files and its own key.
    let tls = broker::TlsFiles {
        ca_file: bundle_dir.join("ca.pem"),
        cert_file: bundle_dir.join(format!("{}.pem", a.prison)),
        key_file: enrolled.key.clone(),
    };
    let (mut settings, store) = env.agent_store(&a.prison).await;
    let endpoint = env.tls_endpoint(tls);
    settings.broker.host = endpoint.host.clone();
    settings.broker.port = endpoint.port;
    settings.broker.tls = endpoint.tls.clone();
    settings.broker.password = None;
    settings.broker.inbox_queue = None;
    settings.broker.inbox_queue_file = Some(bundle_dir.join("inbox"));
    let credentials = settings.credentials().unwrap();
    let prison = agent::service::start(settings.clone(), credentials, store.clone());
    let send = || async {
        let draft = serde_json::to_vec(&env.release_notice(&[&a.municipality])).unwrap();
        let key = settings.pseudonym_key().unwrap();
        let (message, _) = agent::submit_with(&store, &a.prison, key.as_ref(), &draft)
            .await
            .unwrap();
        message.envelope.message_id
    };
    let delivered = |id: schemas::MessageId| municipality.receives(id);
    let first = send().await;
    delivered(first).await;

    // As registered, for provisioning it again below.
    let agency = hub::db::load_directory(&env.pool)
        .await
        .unwrap()
        .get(&a.prison)
        .cloned()
        .unwrap();
    let region: Option<String> = sqlx::query_scalar("SELECT region FROM agencies WHERE id = $1")
        .bind(a.prison.as_str())
        .fetch_one(&env.pool)
        .await
        .unwrap();

    // What it still has in flight when it is disabled is refused like an unknown sender's:
    // marked disabled in the directory only (the broker still lets it publish), what it sends
    // is refused once the hub's directory is re-read (within seconds).
    sqlx::query("UPDATE agencies SET disabled_at = now() WHERE id = $1")
        .bind(a.prison.as_str())
        .execute(&env.pool)
        .await
        .unwrap();
    eventually("refused as from an unknown sender", DEADLINE, || async {
        if env.dead_letters_with("UNKNOWN_SENDER").await >= 1 {
            return Some(());
        }
        send().await;
        None
    })
    .await;

    // Disabled: its open connection is closed, a new one refused, its records kept.
    let open = broker::connect(&endpoint, &login(&a.prison), "onboarding test")
        .await
        .expect("logs in with its own certificate");
    let management = env.services.management();
    let place = hub::agency::Broker {
        user_prefix: "",
        management: &management,
        vhost: &env.vhost,
    };
    let closed = hub::agency::disable(&env.pool, &place, &a.prison)
        .await
        .unwrap();
    assert!(closed >= 1, "closed {closed} connections");
    eventually("its open connection is closed", DEADLINE, || async {
        (!open.status().connected()).then_some(())
    })
    .await;
    let refused = broker::connect(&endpoint, &login(&a.prison), "onboarding test").await;
    assert!(refused.is_err(), "a disabled agency connected");
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE sender = $1")
        .bind(a.prison.as_str())
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(kept >= 1, "its messages are gone");
    let directory = hub::db::load_directory(&env.pool).await.unwrap();
    assert!(directory.iter().all(|agency| agency.id != a.prison));
    let again = certify(scratch.join("while-disabled"), read(enrolled.csr.clone())).await;
    assert!(again.unwrap_err().to_string().contains("disabled"));
    // Provisioning again (`hub provision` on the next deployment) does not let it back in.
    let password = env.credentials(&a.prison).password;
    let provisioning = hub::provision::Place {
        user_prefix: "",
        management: &management,
        pool: &env.pool,
        vhost: &env.vhost,
        secrets_dir: &env.hub_settings.hub.secrets_dir,
    };
    hub::provision::add_agency(&provisioning, &agency, region.as_deref(), &password)
        .await
        .unwrap();
    let refused = broker::connect(&endpoint, &login(&a.prison), "onboarding test").await;
    assert!(refused.is_err(), "re-provisioning let a disabled agency in");

    // Enabled: it connects again, and its agent delivers again.
    hub::agency::enable(&env.pool, &place, &a.prison, &password)
        .await
        .unwrap();
    broker::connect(&endpoint, &login(&a.prison), "onboarding test")
        .await
        .expect("connects again once enabled");
    let second = send().await;
    delivered(second).await;

    // Removed: its broker user and inbox are gone, its records are not; `enable` brings it back.
    hub::agency::remove(&env.pool, &place, &a.prison)
        .await
        .unwrap();
    let user = management.get(&format!("users/{}", a.prison)).await;
    assert!(user.is_err(), "its broker user is still there");
    let inbox = env.inbox(&a.prison);
    let queue = management
        .get(&format!("queues/{}/{inbox}", env.vhost))
        .await;
    assert!(queue.is_err(), "its inbox is still there");
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE sender = $1")
        .bind(a.prison.as_str())
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(still >= kept, "its messages are gone");
    hub::agency::enable(&env.pool, &place, &a.prison, &password)
        .await
        .unwrap();
    broker::connect(&endpoint, &login(&a.prison), "onboarding test")
        .await
        .expect("connects again once enabled after removal");

    // Each change of the directory is in the audit log, whose chain still holds.
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT entry::jsonb->'detail'->>'kind' FROM audit_log
         WHERE entry::jsonb->'detail'->>'agency' = $1 ORDER BY seq",
    )
    .bind(a.prison.as_str())
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            "agency_disabled",
            "agency_enabled",
            "agency_disabled",
            "agency_removed",
            "agency_enabled"
        ]
    );
    assert!(matches!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact { .. }
    ));

    prison.stop().await;
    hub.stop().await;
    std::fs::remove_dir_all(scratch).unwrap();
}

#[tokio::test]
async fn a_second_installation_on_the_same_broker_cannot_take_over_an_agencys_login() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let management = env.services.management();
    // A second installation on the same broker: its own vhost, and an agency of the same id.
    let other = format!("{}-second", env.vhost);
    management.put_vhost(&other).await.unwrap();
    let taken = management
        .provision_agency(
            &other,
            a.prison.as_str(),
            &a.prison,
            "a-password-of-the-second",
            "inbox.second",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            taken,
            broker::management::ManagementError::OtherInstallation { .. }
        ),
        "{taken}"
    );
    assert!(taken.to_string().contains("will not take over"), "{taken}");
    // The first installation's login is untouched, the second's password logs nobody in, and
    // nothing was made for it in the second vhost.
    broker::connect(
        &env.endpoint(),
        &env.credentials(&a.prison),
        "installation test",
    )
    .await
    .expect("the first installation's agency still logs in");
    let second = broker::Credentials {
        user: a.prison.to_string(),
        password: "a-password-of-the-second".to_owned(),
    };
    assert!(
        broker::connect(&env.endpoint(), &second, "installation test")
            .await
            .is_err()
    );
    assert!(
        management
            .get(&format!("queues/{other}/inbox.second"))
            .await
            .is_err()
    );
    // The first installation provisions its own agency again as before.
    management
        .provision_agency(
            &env.vhost,
            a.prison.as_str(),
            &a.prison,
            &env.credentials(&a.prison).password,
            &env.inbox(&a.prison),
        )
        .await
        .unwrap();
    let user = management
        .get(&format!("users/{}", a.prison))
        .await
        .unwrap();
    assert!(
        user["tags"]
            .to_string()
            .contains(&broker::management::installation_tag(&env.vhost)),
        "{user}"
    );
    management.delete_vhost(&other).await.unwrap();
}

/// Issue 19, part 2: a second installation on the same broker gives its agency logins a
/// prefix of its own (`broker.user_prefix`). Its logins are its own (tagged, none the bare
/// agency id); an agency id the first installation also has gets a login of its own beside
/// the first's; its agencies log in by password and by a certificate naming the prefixed user,
/// and its hub takes what they send; `hub agency certify` names that user.
#[tokio::test]
async fn a_second_installation_with_its_own_prefix_runs_beside_the_first_on_one_broker() {
    let first = TestEnv::new().await;
    let mut second = TestEnv::with(&[("broker.user_prefix", "second.")]).await;
    let management = first.services.management();
    let b = second.agencies.clone();

    let user = management
        .get(&format!("users/second.{}", b.prison))
        .await
        .expect("the second installation's login carries its prefix");
    assert!(
        user["tags"]
            .to_string()
            .contains(&broker::management::installation_tag(&second.vhost)),
        "{user}"
    );
    assert!(
        management
            .get(&format!("users/{}", b.prison))
            .await
            .is_err(),
        "no login by the bare agency id"
    );

    // The first installation's prison, provisioned in the second under its prefix: both
    // logins work, each in its own vhost, and the first's password is not the second's.
    let taken = &first.agencies.prison;
    let theirs = format!("second.{taken}");
    management
        .provision_agency(
            &second.vhost,
            &theirs,
            taken,
            "pw-of-the-second",
            "inbox.sx",
        )
        .await
        .expect("the same agency id, under the second's prefix");
    let login = |user: &str, password: &str| broker::Credentials {
        user: user.to_owned(),
        password: password.to_owned(),
    };
    broker::connect(
        &first.endpoint(),
        &first.credentials(taken),
        "installation test",
    )
    .await
    .expect("the first installation's login is untouched");
    broker::connect(
        &second.endpoint(),
        &login(&theirs, "pw-of-the-second"),
        "installation test",
    )
    .await
    .expect("the second installation's own login");
    let crossed = login(taken.as_str(), "pw-of-the-second");
    assert!(
        broker::connect(&first.endpoint(), &crossed, "installation test")
            .await
            .is_err()
    );
    management.delete_user(&theirs).await.unwrap();

    // The second installation end to end: the prison over AMQPS with a certificate naming
    // `second.<prison>`, the municipality by password as `second.<municipality>`.
    let hub = second.start_hub_over_tls().await;
    let municipality = second.start_agent(&b.municipality).await;
    let mut prison = second.start_agent_over_tls(&b.prison).await;
    assert_eq!(
        prison.settings.credentials().unwrap().user,
        format!("second.{}", b.prison)
    );
    let id = prison
        .send(&second.release_notice(&[&b.municipality]))
        .await;
    municipality.receives(id).await;
    assert_eq!(e2e::refusal(&prison.answer_to(id).await), None);

    // `hub agency certify` in the second installation names the prefixed login.
    let scratch = std::env::temp_dir().join(format!("prefix-{}", uuid::Uuid::new_v4()));
    let enrolled = agent::enroll::write(&scratch.join("agency"), &b.employment).unwrap();
    let pki = PathBuf::from(std::env::var("HANDOVER_PKI_DIR").unwrap());
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    let bundle = hub::agency::certify(
        &second.pool,
        &second.hub_settings.broker.user_prefix,
        &read(enrolled.csr.clone()),
        &read(pki.join("ca.pem")),
        &read(pki.join("ca.key")),
        2,
        &scratch.join("bundle"),
    )
    .await
    .unwrap();
    assert_eq!(bundle.user, format!("second.{}", b.employment));
    let told = read(scratch.join("bundle/README.txt"));
    assert!(
        told.contains(&format!(r#"broker.user = "second.{}""#, b.employment)),
        "{told}"
    );

    prison.stop().await;
    hub.stop().await;
    std::fs::remove_dir_all(scratch).unwrap();
}
