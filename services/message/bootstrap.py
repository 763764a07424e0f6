"""Composition root: the real adapters, built once at start-up."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.message.adapters.conversations import ConversationStore
from services.message.adapters.courier import Courier
from services.message.adapters.meta_sender import MetaSender
from services.message.adapters.records import SqlRecords
from services.message.adapters.twilio_sender import TwilioSender
from services.message.domain.conversation import Rules
from services.message.ports import MessagePorts, MessageRecords, WhatsAppSender
from services.message.settings import MessageSettings
from shared.app import BaseDeps
from shared.clock import Clock
from shared.dapr.ports import AsyncPublisher, KeyValueStore, Publisher
from shared.dapr.publisher import AsyncDaprPublisher, DaprPublisher
from shared.dapr.secret_store import read_secret
from shared.dapr.state import DaprStateStore
from shared.events.message import Channel
from shared.packs import load_catalogue
from shared.runtime import connect_dapr, connect_database


@dataclass(kw_only=True)
class MessageRuntime(BaseDeps):
    """Everything the routes and subscriptions of the message service use."""

    ports: MessagePorts
    # The webhooks' publisher, on the event loop.
    inbound: AsyncPublisher
    twilio_auth_token: str = field(repr=False)
    meta_app_secret: str = field(repr=False)
    meta_verify_token: str = field(repr=False)


def build_rules(settings: MessageSettings) -> Rules:
    return Rules(
        catalogue=load_catalogue(settings.packs_file),
        min_photos=settings.min_photos,
        max_photos=settings.max_photos,
        retention_days=settings.retention_days,
        previews_url=settings.pack_previews_url,
        new_order_id=lambda: f"ord_{uuid.uuid4().hex[:20]}",
    )


def message_ports(
    *,
    publisher: Publisher,
    state: KeyValueStore,
    senders: Mapping[str, WhatsAppSender],
    records: MessageRecords,
    rules: Rules,
    clock: Clock,
    rate_limit_per_minute: int = 40,
    nudge_after_hours: float = 6,
    flush_wait_polls: int = 100,
    send_gap_seconds: float = 0.0,
) -> MessagePorts:
    """The message handlers' ports over one state store: the conversation records and
    the courier that sends what they owe."""
    return MessagePorts(
        publisher=publisher,
        conversations=ConversationStore(state),
        courier=Courier(
            state=state,
            senders=senders,
            records=records,
            publisher=publisher,
            clock=clock,
            wait_polls=flush_wait_polls,
            send_gap_seconds=send_gap_seconds,
        ),
        senders=senders,
        records=records,
        rules=rules,
        clock=clock,
        rate_limit_per_minute=rate_limit_per_minute,
        nudge_after_hours=nudge_after_hours,
    )


def build_deps(settings: MessageSettings) -> MessageRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)
    records = SqlRecords(connect_database(settings, resources))
    account_sid = read_secret(client, settings.secretstore_name, "twilio-account-sid")
    auth_token = read_secret(client, settings.secretstore_name, "twilio-auth-token")
    meta = MetaSender(
        graph_base=settings.meta_graph_base,
        phone_number_id=settings.meta_phone_number_id,
        access_token=read_secret(client, settings.secretstore_name, "meta-access-token"),
        timeout=settings.meta_timeout_seconds,
        template_name=settings.meta_template_name,
    )
    twilio = TwilioSender(
        account_sid=account_sid,
        auth_token=auth_token,
        from_=settings.twilio_whatsapp_from,
        api_base=settings.twilio_api_base,
        timeout=settings.twilio_timeout_seconds,
        template_sid=settings.twilio_template_sid,
        template_sids=settings.twilio_template_sids,
        status_callback=settings.status_callback,
    )
    resources.closers += [meta.close, twilio.close]
    ports = message_ports(
        publisher=DaprPublisher(client, settings.pubsub_name),
        state=DaprStateStore(client, settings.statestore_name),
        senders={
            Channel.TWILIO: twilio,
            Channel.META: meta,
        },
        records=records,
        rules=build_rules(settings),
        clock=resources.clock,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        nudge_after_hours=settings.nudge_after_hours,
        send_gap_seconds=settings.send_gap_seconds,
    )
    inbound = AsyncDaprPublisher(settings)
    resources.async_openers.append(inbound.open)
    resources.async_closers.append(inbound.close)
    return MessageRuntime(
        ports=ports,
        inbound=inbound,
        twilio_auth_token=auth_token,
        meta_app_secret=read_secret(client, settings.secretstore_name, "meta-app-secret"),
        meta_verify_token=read_secret(client, settings.secretstore_name, "meta-verify-token"),
        clock=resources.clock,
        ready_checks=resources.ready_checks,
        closers=resources.closers,
        async_openers=resources.async_openers,
        async_closers=resources.async_closers,
    )
