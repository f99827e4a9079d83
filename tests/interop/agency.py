#!/usr/bin/python3
"""An agency system that is not the handover agent: plain AMQP with pika.

It speaks for one agency with that agency's own broker login. It publishes a release notice
(schemas/examples/ReleaseNotice.json with fresh ids, its own agency as sender and the given
recipients) to the agency's submit exchange `submit.<agency>`, with `user_id` set (the broker
checks it against the login) and publisher confirms, then consumes the agency's inbox queue
(`inbox.<agency>.<tag>`, as `hub provision` wrote it to `<agency>.inbox`) until the hub's
answer to that message arrives (a Receipt, or an Undeliverable), acknowledges it, and prints
one JSON line:

    {"message_id": "...", "answer_type": "Receipt", "answer": {...the hub's message...}}

Exit status: 0 for a Receipt, 1 for an Undeliverable, 2 when it could not run (no broker, no
confirm, no answer in time).

The password comes from the environment (AGENCY_PASSWORD), never from the command line, and
so does the inbox's name (AGENCY_INBOX), which is kept like a password:

    AGENCY_PASSWORD=... AGENCY_INBOX=... /usr/bin/python3 tests/interop/agency.py \\
        --vhost handover --agency dk-kriminalforsorgen --to dk-kobenhavn-kommune

Needs pika (Debian: python3-pika, which deploy/services.sh installs).
"""

import argparse
import datetime
import json
import os
import pathlib
import sys
import time
import uuid

import pika
import pika.exceptions

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "schemas/examples/ReleaseNotice.json"


def uuid7():
    """A version-7 UUID: 48 bits of Unix time in milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return str(uuid.UUID(int=value))


def release_notice(agency, recipients, example):
    """The example release notice, sent by `agency` to `recipients`, with fresh ids."""
    message = json.loads(pathlib.Path(example).read_text(encoding="utf-8"))
    envelope = message["envelope"]
    envelope["message_id"] = uuid7()
    envelope["correlation_id"] = uuid7()
    envelope["sender"] = agency
    envelope["recipients"] = recipients
    envelope["sent_at"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return message


def answer_to(message, message_id):
    """Whether `message` is the hub's Receipt or Undeliverable for `message_id`."""
    kind = message.get("envelope", {}).get("message_type")
    return (
        kind in ("Receipt", "Undeliverable")
        and message.get("body", {}).get("in_reply_to") == message_id
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HANDOVER_AMQP_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("HANDOVER_AMQP_PORT", "5672"))
    )
    parser.add_argument("--vhost", default="handover")
    parser.add_argument("--agency", required=True, help="this agency's id, also its broker user")
    parser.add_argument("--to", action="append", required=True, help="a recipient agency id")
    parser.add_argument("--example", default=str(EXAMPLE))
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer")
    args = parser.parse_args()
    password = os.environ.get("AGENCY_PASSWORD")
    if not password:
        sys.exit("set AGENCY_PASSWORD to the agency's broker password")
    inbox = os.environ.get("AGENCY_INBOX")
    if not inbox:
        sys.exit("set AGENCY_INBOX to the agency's inbox queue (the <agency>.inbox file hub provision wrote)")

    message = release_notice(args.agency, args.to, args.example)
    message_id = message["envelope"]["message_id"]
    parameters = pika.ConnectionParameters(
        host=args.host,
        port=args.port,
        virtual_host=args.vhost,
        credentials=pika.PlainCredentials(args.agency, password),
        heartbeat=10,
        blocked_connection_timeout=30,
    )
    try:
        connection = pika.BlockingConnection(parameters)
    except pika.exceptions.AMQPError as e:
        print(f"cannot connect to the broker: {e!r}", file=sys.stderr)
        return 2
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        try:
            # With confirms on, basic_publish returns once the broker has the message (in the
            # hub's ingress queue) and raises if it was refused or could not be routed.
            channel.basic_publish(
                exchange=f"submit.{args.agency}",
                routing_key="",
                body=json.dumps(message).encode("utf-8"),
                properties=pika.BasicProperties(
                    message_id=message_id,
                    correlation_id=message["envelope"]["correlation_id"],
                    user_id=args.agency,
                    content_type="application/json",
                    delivery_mode=2,  # persistent
                ),
                mandatory=True,
            )
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as e:
            print(f"the broker did not take the message: {e!r}", file=sys.stderr)
            return 2
        print(f"published {message_id}", file=sys.stderr)

        # A real system stores every inbox message (deduplicating by envelope.message_id) and
        # acknowledges it only after that. This script takes only the answer to its own
        # message and leaves anything else unacknowledged, so it goes back to the queue.
        channel.basic_qos(prefetch_count=100)
        deadline = time.monotonic() + args.timeout
        for method, _properties, body in channel.consume(
            inbox, inactivity_timeout=0.5
        ):
            if method is None:
                if time.monotonic() > deadline:
                    print(f"no answer to {message_id} within {args.timeout} s", file=sys.stderr)
                    return 2
                continue
            try:
                received = json.loads(body)
            except ValueError:
                continue
            if not answer_to(received, message_id):
                continue
            channel.basic_ack(method.delivery_tag)
            kind = received["envelope"]["message_type"]
            print(
                json.dumps({"message_id": message_id, "answer_type": kind, "answer": received}),
                flush=True,
            )
            return 0 if kind == "Receipt" else 1
        return 2
    finally:
        if connection.is_open:
            connection.close()


if __name__ == "__main__":
    sys.exit(main())
