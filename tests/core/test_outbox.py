"""Mail goes through the outbox: written with its cause, delivered later, retried, never lost."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import backoff_delay, deliver_due, enqueue_mail, stuck_messages
from marketplace.core.timeutil import utcnow


class RecordingBackend:
    def __init__(self, fail_times=0):
        self.sent = []
        self.fail_times = fail_times

    def send(self, email):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionRefusedError("SMTP is down")
        self.sent.append(email)


def _queue(db, to="a@example.com"):
    message = enqueue_mail(
        to, "Subject", "verify_email", locale="id", user=type("U", (), {"full_name": "Ani"}), link="L"
    )
    db.session.commit()
    return message


def test_mail_is_rendered_in_the_recipients_language(db):
    indonesian = enqueue_mail("a@example.com", "s", "verify_email", locale="id", user={"full_name": "Ani"}, link="L")
    english = enqueue_mail("b@example.com", "s", "verify_email", locale="en", user={"full_name": "Ani"}, link="L")
    assert "Halo Ani" in indonesian.body_text
    assert "Hello Ani" in english.body_text


def test_mail_is_lost_with_a_rolled_back_change(db):
    enqueue_mail("a@example.com", "s", "verify_email", locale="id", user={"full_name": "Ani"}, link="L")
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None


def test_delivery_sends_due_mail_once(db):
    message = _queue(db)
    backend = RecordingBackend()
    assert deliver_due(backend) == (1, 0)
    assert deliver_due(backend) == (0, 0)
    assert len(backend.sent) == 1
    assert backend.sent[0]["To"] == "a@example.com"
    assert message.status == "sent" and message.sent_at is not None


def test_failures_are_retried_with_growing_backoff(db):
    message = _queue(db)
    backend = RecordingBackend(fail_times=2)
    now = utcnow()
    assert deliver_due(backend, now=now) == (0, 1)
    assert message.status == "pending"
    assert message.attempts == 1
    assert message.next_try_at == now + timedelta(minutes=1)
    assert "SMTP is down" in message.last_error
    # Not due yet: nothing happens.
    assert deliver_due(backend, now=now + timedelta(seconds=30)) == (0, 0)
    later = now + timedelta(minutes=1)
    assert deliver_due(backend, now=later) == (0, 1)
    assert message.next_try_at == later + timedelta(minutes=2)
    assert [m.id for m in stuck_messages()] == [message.id]
    assert deliver_due(backend, now=later + timedelta(minutes=2)) == (1, 0)
    assert message.status == "sent"
    assert stuck_messages() == []


def test_mail_gives_up_after_the_maximum_attempts(app, db):
    message = _queue(db)
    backend = RecordingBackend(fail_times=100)
    now = utcnow()
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        deliver_due(backend, now=now)
        now = message.next_try_at
    assert message.status == "failed"
    assert message in stuck_messages()


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (20, 360)])
def test_backoff_doubles_up_to_six_hours(attempts, minutes):
    assert backoff_delay(attempts) == timedelta(minutes=minutes)


def test_send_mail_command_delivers_and_reports_stuck(app, db):
    _queue(db, to="someone@example.com")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "To: someone@example.com" in result.output
    assert "sent 1, failed 0" in result.output
    failing = _queue(db, to="stuck@example.com")
    failing.attempts, failing.last_error = 3, "ConnectionRefusedError"
    failing.next_try_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["send-mail", "--stuck"])
    assert "1 stuck" in result.output
    assert "stuck@example.com" in result.output


def test_smtp_failure_keeps_the_message_for_later(app, db, monkeypatch):
    from marketplace.core.outbox import backend_from_config

    message = _queue(db)
    config = {**app.config, "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 1, "SMTP_SSL": False}
    assert deliver_due(backend_from_config(config)) == (0, 1)
    assert message.status == "pending" and message.attempts == 1


def test_development_prints_mail_right_after_the_commit(database_url, app, capsys):
    from marketplace import create_app
    from tests.conftest import make_config

    dev = create_app(make_config(database_url, MAIL_ECHO_AFTER_COMMIT=True))
    with dev.app_context():
        from marketplace.extensions import db

        enqueue_mail("echo@example.com", "Hi", "verify_email", locale="en", user={"full_name": "Ani"}, link="L")
        assert "echo@example.com" not in capsys.readouterr().out
        db.session.commit()
        assert "mail to echo@example.com" in capsys.readouterr().out
