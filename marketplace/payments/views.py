"""Payment pages: a checkout's payment (bank transfer and its proof), the coordinator's payments and payouts, the
IKM's balance and bank account, the admin's settings of a sentra."""

import mimetypes

from flask import abort, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import Sentra
from marketplace.core.access import allow, object_or_404
from marketplace.core.csv_export import csv_response
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.flashing import flash
from marketplace.core.forms import show_error, values_of
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.core.security import policy_with_form_action
from marketplace.core.storage import get_storage
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.core.timeutil import WIB, utcnow
from marketplace.core.uploads import accepts_uploads, upload_rate_limit
from marketplace.orders.models import Checkout
from marketplace.orders.services import catch_up_checkout
from marketplace.payments import bp, ledger, services, stripe_gateway
from marketplace.payments.forms import (
    BankAccountForm,
    PaymentDecisionForm,
    PayoutForm,
    ProofForm,
    RefundTransferForm,
    SentraPaymentForm,
    VoidPayoutForm,
)
from marketplace.payments.models import PAYOUT_STATES, Payment, Payout, Refund, TransferProof

# --- a checkout's payment -----------------------------------------------------------------------------------------


def _checkout_payment_page(checkout_id, proof_form=None):
    checkout = object_or_404(Checkout, checkout_id, services.may_see_payment_of)
    catch_up_checkout(checkout)
    page = services.payment_page(checkout)
    response = make_response(
        render_template(
            "payments/pay.html",
            page=page,
            checkout=checkout,
            proof_form=proof_form or ProofForm(),
            is_buyer=services.is_buyer_checkout(current_user, checkout),
        )
    )
    if page.stripe_enabled:
        # The Stripe button's POST is answered with a redirect to Stripe's own page.
        response.headers["Content-Security-Policy"] = policy_with_form_action(stripe_gateway.CHECKOUT_ORIGIN)
    return response


@bp.get("/checkouts/<int:checkout_id>")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def pay_checkout(checkout_id):
    return _checkout_payment_page(checkout_id)


@bp.post("/checkouts/<int:checkout_id>/proof")
@allow(Role.BUYER)
@accepts_uploads("MAX_PROOF_REQUEST_BYTES")
@upload_rate_limit()
def upload_proof(checkout_id):
    checkout = object_or_404(Checkout, checkout_id, services.is_buyer_checkout)
    form = ProofForm()
    here = url_for("payments.pay_checkout", checkout_id=checkout.id)
    if not form.validate():
        return _checkout_payment_page(checkout.id, form)
    try:
        services.submit_transfer_proof(current_user, checkout, form.proof.data.stream, form.submission_token.data)
    except DuplicateSubmission:
        return already_sent(here)
    except DomainError as error:
        show_error(form, error, fallback="proof")
        return _checkout_payment_page(checkout.id, form)
    flash(_l("Proof sent. The sentra checks its bank statement and confirms; you will get an email."), "success")
    return redirect(here)


@bp.get("/proofs/<int:proof_id>")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def proof_file(proof_id):
    proof = object_or_404(TransferProof, proof_id, services.may_see_proof)
    storage = get_storage()
    if not storage.exists(proof.storage_key):
        abort(404)
    extension = mimetypes.guess_extension(proof.content_type) or ""
    response = send_file(
        storage.open(proof.storage_key),
        mimetype=proof.content_type,
        download_name=f"bukti-transfer-{proof.payment.reference}-{proof.id}{extension}",
        as_attachment=proof.content_type == "application/pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    # Whatever the file holds, it can run nothing in our origin.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


# --- the coordinator: payments to check, refunds to transfer back ------------------------------------------------


def _sentra_payments_page(decision_form=None, refund_form=None, failed_id=None):
    proofs_waiting, flagged, refunds = services.sentra_work(current_user.sentra_id)
    return render_template(
        "payments/sentra_payments.html",
        proofs_waiting=proofs_waiting,
        flagged=flagged,
        refunds=refunds,
        decision_form=decision_form or PaymentDecisionForm(),
        refund_form=refund_form or RefundTransferForm(),
        failed_id=failed_id,
        today=utcnow().astimezone(WIB).date(),
    )


@bp.get("/sentra")
@allow(Role.COORDINATOR)
def sentra_payments():
    return _sentra_payments_page()


@bp.post("/payments/<int:payment_id>/decision")
@allow(Role.COORDINATOR)
def decide_payment(payment_id):
    payment = object_or_404(Payment, payment_id, services.is_sentra_payment)
    form = PaymentDecisionForm()
    if not form.validate():
        flash(_l("Choose confirm or reject."), "danger")
        return redirect(url_for("payments.sentra_payments"))
    try:
        services.decide_transfer(current_user, payment, form.action.data, form.reason.data)
    except InvalidTransition as error:
        flash(error.message, "danger")
        return redirect(url_for("payments.sentra_payments"))
    except DomainError as error:
        show_error(form, error, fallback="reason")
        return _sentra_payments_page(decision_form=form, failed_id=payment.id)
    if form.action.data == "confirm":
        flash(_l("Payment %(reference)s confirmed: the IKMs can start.", reference=payment.reference), "success")
    else:
        flash(_l("Proof rejected: the buyer was told why."), "info")
    return redirect(url_for("payments.sentra_payments"))


@bp.post("/refunds/<int:refund_id>/transfer")
@allow(Role.COORDINATOR)
def record_refund(refund_id):
    refund = object_or_404(Refund, refund_id, services.is_sentra_refund)
    form = RefundTransferForm()
    if form.validate():
        try:
            services.record_refund_transfer(current_user, refund, values_of(form, services.RefundTransferInput))
        except DomainError as error:
            show_error(form, error, fallback="bank_reference")
        else:
            flash(_l("Refund recorded: the buyer was told."), "success")
            return redirect(url_for("payments.sentra_payments"))
    return _sentra_payments_page(refund_form=form, failed_id=refund.id)


# --- the coordinator: balances and payouts ------------------------------------------------------------------------


def _payout_form(formdata=None):
    form = PayoutForm(formdata=formdata) if formdata is not None else PayoutForm()
    rows = services.sentra_balances(current_user.sentra_id)
    form.organization_id.choices = [("", _l("Choose an IKM"))] + [
        (row.organization.id, row.organization.name) for row in rows
    ]
    return form, rows


def _payouts_page(form=None, rows=None):
    if form is None:
        form, rows = _payout_form()
    pagination = services.payouts_of_sentra(current_user.sentra_id, page_arg())
    return render_template(
        "payments/payouts.html",
        form=form,
        rows=rows,
        pagination=pagination,
        totals=ledger.escrow_totals(current_user.sentra_id),
        void_form=VoidPayoutForm(),
        today=utcnow().astimezone(WIB).date(),
    )


@bp.get("/payouts")
@allow(Role.COORDINATOR)
def payouts():
    return _payouts_page()


@bp.post("/payouts")
@allow(Role.COORDINATOR)
def new_payout():
    form, rows = _payout_form(request.form)
    if form.validate():
        try:
            payout = services.record_payout(
                current_user, values_of(form, services.PayoutInput), form.submission_token.data
            )
        except DuplicateSubmission:
            return already_sent(url_for("payments.payouts"))
        except DomainError as error:
            show_error(form, error, fallback="amount_idr")
        else:
            flash(
                _l("Payout to %(ikm)s recorded.", ikm=payout.organization.name),
                "success",
            )
            return redirect(url_for("payments.payouts"))
    return _payouts_page(form, rows)


@bp.post("/payouts/<int:payout_id>/void")
@allow(Role.COORDINATOR)
def void_payout(payout_id):
    payout = object_or_404(Payout, payout_id, services.is_sentra_payout)
    form = VoidPayoutForm()
    if not form.validate():
        for error in form.reason.errors:
            flash(error, "danger")
        return redirect(url_for("payments.payouts"))
    try:
        services.void_payout(current_user, payout, form.reason.data)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(_l("Payout voided: the amount is back in the IKM's balance."), "info")
    return redirect(url_for("payments.payouts"))


@bp.get("/payouts/balances.csv")
@allow(Role.COORDINATOR)
def balances_csv():
    rows = services.sentra_balances(current_user.sentra_id)
    return csv_response(
        "saldo-ikm.csv",
        [
            _l("IKM"),
            _l("Balance (Rp)"),
            _l("Held (Rp)"),
            _l("Paid out (Rp)"),
            _l("Bank"),
            _l("Account number"),
            _l("Account holder"),
        ],
        (
            (
                row.organization.name,
                row.balance.available_idr,
                row.balance.held_idr,
                row.balance.paid_out_idr,
                row.account.bank_name if row.account else "",
                row.account.account_number if row.account else "",
                row.account.account_holder if row.account else "",
            )
            for row in rows
        ),
    )


@bp.get("/payouts/payouts.csv")
@allow(Role.COORDINATOR)
def payouts_csv():
    rows = services.all_payouts_of_sentra(current_user.sentra_id)
    return csv_response(
        "pembayaran-ikm.csv",
        [
            _l("Transferred on"),
            _l("IKM"),
            _l("Amount (Rp)"),
            _l("Bank reference"),
            _l("Bank account"),
            _l("Status"),
            _l("Note"),
            _l("Recorded by"),
        ],
        (
            (
                payout.paid_on.isoformat(),
                payout.organization.name,
                payout.amount_idr,
                payout.bank_reference,
                payout.bank_account,
                PAYOUT_STATES.label(payout.status),
                payout.note,
                payout.recorded_by.full_name if payout.recorded_by else "",
            )
            for payout in rows
        ),
    )


# --- the IKM: balance and bank account ----------------------------------------------------------------------------


@bp.get("/balance")
@allow(Role.SELLER)
def balance():
    organization_id = current_user.organization_id
    return render_template(
        "payments/balance.html",
        balance=ledger.balance_of(organization_id),
        entries=services.entries_of_ikm(organization_id, page_arg()),
        payouts=services.payouts_of_ikm(organization_id),
        account=services.bank_account_of(organization_id),
    )


@bp.route("/bank-account", methods=["GET", "POST"])
@allow(Role.SELLER, owner=True)
def bank_account():
    account = services.bank_account_of(current_user.organization_id)
    form = BankAccountForm(obj=account)
    if request.method == "POST" and form.validate():
        try:
            services.save_bank_account(current_user, values_of(form, services.BankAccountInput))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("Bank account saved: payouts go to this account."), "success")
            return redirect(url_for("payments.balance"))
    return render_template("payments/bank_account.html", form=form, account=account)


# --- the admin: a sentra's fee and bank account -------------------------------------------------------------------


@bp.route("/admin/sentras/<int:sentra_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def sentra_settings(sentra_id):
    sentra = object_or_404(Sentra, sentra_id, lambda user, sentra: True)  # the admin sees every sentra
    settings = services.settings_of(sentra.id)
    form = SentraPaymentForm(obj=settings)
    if request.method == "GET" and settings is None:
        form.platform_fee_pct.data = 0
    if request.method == "POST" and form.validate():
        try:
            services.save_sentra_settings(current_user, sentra, values_of(form, services.SentraPaymentInput))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("Payment settings of %(sentra)s saved.", sentra=sentra.name), "success")
            return redirect(url_for("accounts.admin_sentras"))
    return render_template("payments/sentra_settings.html", form=form, sentra=sentra)
