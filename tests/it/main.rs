//! Integration tests: the hub and agents in-process against real RabbitMQ and PostgreSQL.
//! One binary; every test builds its own isolated [`e2e::TestEnv`].

mod attacks;
mod backup;
mod bad_input;
mod case_rules;
mod cluster;
mod config;
mod consent;
mod contact_point;
mod dashboard;
mod deadlines;
mod delivery;
mod faults;
mod gateways;
mod hygiene;
mod identity;
mod interop;
mod key_directory;
mod ops;
mod outage;
mod packages;
mod person;
mod poison;
mod population;
mod recovery;
mod register;
mod relocation;
mod resilience;
mod retention;
mod tls;
mod upgrade;
mod web;
mod web_consent;
mod web_flows;
mod web_sent;
mod web_views;
