"""Operations of the catalog: listings and their photos, moderation, product types, browsing."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, OrganizationStatus, Sentra
from marketplace.accounts.services import mail_coordinators, mail_organization
from marketplace.catalog import search
from marketplace.catalog import stock as stock_moves
from marketplace.catalog.models import (
    LISTING_STATES,
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    ProductType,
    StockReason,
)
from marketplace.catalog.price_rules import price_rules
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError, SlugTaken
from marketplace.core.images import ImageRejected, process_upload
from marketplace.core.money import format_idr, plain_quantity
from marketplace.core.notes import register_notes, system_note
from marketplace.core.outbox import external_url
from marketplace.core.reasons import require_reason
from marketplace.core.roles import Role
from marketplace.core.storage import delete_after_commit, get_storage, save_in_transaction
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.transaction import operation
from marketplace.extensions import db

MAX_PHOTOS = 8
# What the catalog writes on a listing's history when it moves it itself: stored as keys, shown in the reader's
# language (core/notes.py).
LISTING_NOTES = {
    "listing.photo_removed": _l("photo removed"),
    "listing.photos_added": _l("photos added"),
    "listing.content_changed": _l("content changed"),
    "listing.price_inside_band": _l("price set inside the band"),
}
register_notes(LISTING_NOTES)
# Changing these sends an active or paused listing back to the coordinator's queue.
REVIEWED_FIELDS = ("product_type_id", "title", "description", "certification_note")
# Stock is not among them: it moves only through catalog/stock.py (see _save_stock).
EDITABLE_FIELDS = (
    "product_type_id",
    "title",
    "description",
    "price_idr",
    "min_order",
    "order_multiple",
    "lead_time_days",
    "capacity_per_month",
    "certification_note",
)


class NotAllowed(DomainError):
    pass


# --- what the operations take: plain values, the same from a form or a future API --------------------------------


@dataclass(frozen=True, kw_only=True)
class ListingDetails:
    """A listing as the seller writes it. `stock` None leaves the stock as it is; on an edit, `expected_stock` is
    the stock the seller saw, so that a reservation made meanwhile is not overwritten (catalog/stock.py)."""

    product_type_id: int
    title: str
    price_idr: int
    min_order: Decimal
    order_multiple: Decimal
    lead_time_days: int
    capacity_per_month: Decimal
    description: str | None = None
    certification_note: str | None = None
    stock: Decimal | None = None
    expected_stock: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class CategoryDetails:
    name: str
    name_en: str
    slug: str
    position: int


@dataclass(frozen=True, kw_only=True)
class ProductTypeDetails:
    name: str
    slug: str
    category_id: int
    unit: str
    slag_kg_per_unit: Decimal
    name_en: str | None = None  # empty: English pages show `name`
    spec: str | None = None
    sni_standard: str | None = None
    remove_photo: bool = False


# --- object checks: one place for "whose listing is this" ---------------------------------------


def is_own_listing(user, listing):
    return user.is_authenticated and user.role == Role.SELLER and listing.organization_id == user.organization_id


def coordinator_of_listing(user, listing):
    return user.is_authenticated and user.role == Role.COORDINATOR and listing.organization.sentra_id == user.sentra_id


# "Not given": look the schedule in force up (None is an answer of its own: no schedule, nothing sells).
_IN_FORCE = object()


def is_publicly_visible(listing, schedule=_IN_FORCE):
    """Active, of an approved IKM, and at a price the schedule in force allows (pass `schedule` if already loaded)."""
    if listing.status not in ListingStatus.PUBLIC or listing.organization.status != OrganizationStatus.APPROVED:
        return False
    rules = price_rules()
    if schedule is _IN_FORCE:
        schedule = rules.schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
    return rules.price_allowed(listing, schedule)


def may_view_unpublished(user, listing):
    """The IKM, its sentra's coordinator and admins see a listing (and its photos) that buyers do not."""
    if not user.is_authenticated:
        return False
    return is_own_listing(user, listing) or coordinator_of_listing(user, listing) or user.role == Role.ADMIN


def may_view_listing(user, listing, schedule=_IN_FORCE):
    """Everyone sees active listings of approved IKMs; the IKM, its coordinator and admins see the rest."""
    return is_publicly_visible(listing, schedule) or may_view_unpublished(user, listing)


def may_see_public_phone(user, organization):
    """An IKM's business phone is for signed-in buyers, the IKM itself, coordinators and admins: not for visitors
    (scrapers) nor for competing IKMs."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SELLER:
        return user.organization_id == organization.id
    return user.role in (Role.BUYER, Role.COORDINATOR, Role.ADMIN)


def photo_by_key(key):
    """The listing photo stored under `key` (display size or thumbnail), with its listing and IKM: one query."""
    return db.session.scalar(
        select(ListingPhoto)
        .where((ListingPhoto.display_key == key) | (ListingPhoto.thumb_key == key))
        .options(joinedload(ListingPhoto.listing).joinedload(Listing.organization))
        .limit(1)
    )


def require_seller_may_sell(user):
    if not user.organization.can_sell:
        raise NotAllowed(_l("Your IKM can list products once a coordinator of your sentra has approved it."))


# --- photos ---------------------------------------------------------------------------------------


def _store_photos(listing, uploads):
    """Decode and re-encode every upload first; only when all are valid is anything stored."""
    files = [f for f in uploads or [] if f and getattr(f, "filename", "")]
    if not files:
        return []
    if len(listing.photos) + len(files) > MAX_PHOTOS:
        raise ImageRejected(_l("A listing has at most 8 photos."))
    processed = [process_upload(f.stream) for f in files]
    storage = get_storage()
    added = []
    next_position = max((p.position for p in listing.photos), default=-1) + 1
    needs_cover = not any(p.is_cover for p in listing.photos)
    for offset, image in enumerate(processed):
        display_key = storage.new_key("listing", "webp")
        thumb_key = storage.new_key("listing", "webp")
        save_in_transaction(display_key, image.display)
        save_in_transaction(thumb_key, image.thumb)
        photo = ListingPhoto(
            display_key=display_key,
            thumb_key=thumb_key,
            width=image.width,
            height=image.height,
            position=next_position + offset,
            is_cover=needs_cover and offset == 0,
        )
        listing.photos.append(photo)
        added.append(photo)
    return added


def _refuse_if_archived(listing):
    if listing.status == ListingStatus.ARCHIVED:
        raise NotAllowed(_l("An archived listing cannot be changed."))


@operation
def set_cover(actor, listing, photo):
    _refuse_if_archived(listing)
    for p in listing.photos:
        p.is_cover = p.id == photo.id
    record_audit(actor, "listing.cover_changed", listing, after={"photo_id": photo.id})


@operation
def remove_photo(actor, listing, photo):
    """Remove a photo; it changes what the coordinator approved, so a live listing goes back to review."""
    _refuse_if_archived(listing)
    was_cover = photo.is_cover
    listing.photos.remove(photo)
    if was_cover and listing.photos:
        listing.photos[0].is_cover = True
    record_audit(actor, "listing.photo_removed", listing, before={"photo_id": photo.id})
    _back_to_review_if_live(actor, listing, note=system_note("listing.photo_removed"))
    delete_after_commit(photo.display_key)
    delete_after_commit(photo.thumb_key)


def add_photos(actor, listing, uploads):
    added = _store_photos(listing, uploads)
    if added:
        record_audit(actor, "listing.photos_added", listing, after={"count": len(added)})
        _back_to_review_if_live(actor, listing, note=system_note("listing.photos_added"))
    return added


# --- listings -------------------------------------------------------------------------------------


class PriceOutsideBand(DomainError):
    """Carries the schedule and the refused price, so that the attempt can be counted."""

    field = "price_idr"

    def __init__(self, message, schedule=None, price_idr=None):
        super().__init__(message)
        self.schedule = schedule
        self.price_idr = price_idr


class NoPriceInForce(DomainError):
    field = "product_type_id"


def _price_rule(sentra_id, product_type_id, price_idr, listing=None):
    """The price a listing may carry under the schedule in force: the reference in fixed mode, else inside the band,
    unless it is the listing's own price that the coordinator approved as an exception under that schedule.

    Returns the price to store; raises PriceOutsideBand naming the band. Without a schedule any
    positive price may be stored, but the listing cannot go live (see require_price_in_force).
    """
    rules = price_rules()
    schedule = rules.schedule_in_force(sentra_id, product_type_id)
    if schedule is None:
        return price_idr
    if (
        listing is not None
        and listing.product_type_id == product_type_id
        and listing.price_idr == price_idr
        and rules.exception_holds(listing, schedule)
    ):
        return price_idr
    if schedule.is_fixed:
        return schedule.reference_idr
    if not schedule.allows(price_idr):
        raise PriceOutsideBand(
            _l(
                "The price must be within the band in force: %(floor)s to %(ceiling)s.",
                floor=format_idr(schedule.floor_idr),
                ceiling=format_idr(schedule.ceiling_idr),
            ),
            schedule=schedule,
            price_idr=price_idr,
        )
    return price_idr


def require_price_in_force(listing):
    """A listing goes live only under a schedule in force, at a price it allows."""
    if price_rules().schedule_in_force(listing.organization.sentra_id, listing.product_type_id) is None:
        raise NoPriceInForce(
            _l("The sentra has no reference price for this product type yet: it cannot be sold until it has one.")
        )
    listing.price_idr = _price_rule(
        listing.organization.sentra_id, listing.product_type_id, listing.price_idr, listing=listing
    )


def _check_product_type(product_type_id):
    product_type = db.session.get(ProductType, product_type_id) if product_type_id else None
    if product_type is None:
        raise DomainError(
            _l("Choose a product type from the list."), code="unknown_product_type", field="product_type_id"
        )
    return product_type


def _back_to_review_if_live(actor, listing, note):
    if listing.status in (ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.PRICE_SUSPENDED):
        LISTING_STATES.move(listing, ListingStatus.PENDING_REVIEW, actor, note=note)
        _tell_coordinators(listing)


def _tell_coordinators(listing):
    mail_coordinators(
        listing.organization.sentra_id,
        _l("A listing is waiting for review: %(title)s", title=listing.title),
        "listing_waiting",
        listing=listing,
        link=external_url("catalog.moderate_listing", listing_id=listing.id),
    )


def _listing_values(data, sentra_id, listing=None):
    """The listing's editable columns from the seller's input, at the price the schedule in force allows."""
    values = {field: getattr(data, field) for field in EDITABLE_FIELDS}
    values["description"] = data.description or ""
    values["certification_note"] = data.certification_note or ""
    values["price_idr"] = _price_rule(sentra_id, data.product_type_id, data.price_idr, listing=listing)
    return values


@operation
def create_listing(seller, data: ListingDetails, uploads=None, submit=False, submission_token=None):
    """A new listing of the seller's IKM: a draft, or straight into the coordinator's queue."""
    claim = claim_submission(seller, submission_token) if submission_token is not None else None
    require_seller_may_sell(seller)
    _check_product_type(data.product_type_id)
    listing = Listing(organization_id=seller.organization_id, status=ListingStatus.DRAFT)
    for field, value in _listing_values(data, seller.organization.sentra_id).items():
        if value is not None:  # left out: the column's default
            setattr(listing, field, value)
    if data.stock is not None:
        stock_moves.set_initial(listing, data.stock, actor=seller)  # its 'initial' movement comes with the INSERT
    db.session.add(listing)
    db.session.flush()
    _store_photos(listing, uploads)
    record_audit(seller, "listing.created", listing, after={"title": listing.title})
    if submit:
        LISTING_STATES.move(listing, ListingStatus.PENDING_REVIEW, seller, action_name="submit")
        _tell_coordinators(listing)
    record_submission(claim, listing)
    db.session.flush()
    search.index_listing(listing.id)
    return listing


@operation
def update_listing(seller, listing, data: ListingDetails, uploads=None, submit=False):
    """Save the seller's changes; reviewed fields and photos send a live listing back to the queue."""
    require_seller_may_sell(seller)
    _refuse_if_archived(listing)
    _check_product_type(data.product_type_id)
    values = _listing_values(data, listing.organization.sentra_id, listing=listing)
    if data.stock is not None:  # left out: the stock stays as it is
        _save_stock(seller, listing, data.stock, data.expected_stock)
    before = {f: _plain(getattr(listing, f)) for f in EDITABLE_FIELDS}
    for field, value in values.items():
        setattr(listing, field, value)
    after = {f: _plain(getattr(listing, f)) for f in EDITABLE_FIELDS}
    changed = {f for f in EDITABLE_FIELDS if before[f] != after[f]}
    if changed & {"price_idr", "product_type_id"} and listing.price_exception_schedule_id is not None:
        # The approved exception was for that price of that product: a new price follows the band again.
        listing.price_exception_schedule_id = None
    added = _store_photos(listing, uploads)
    if changed:
        record_audit(seller, "listing.updated", listing, before=before, after=after)
    if added:
        record_audit(seller, "listing.photos_added", listing, after={"count": len(added)})
    if (changed & set(REVIEWED_FIELDS)) or added:
        _back_to_review_if_live(seller, listing, note=system_note("listing.content_changed"))
    elif listing.status == ListingStatus.PRICE_SUSPENDED and "price_idr" in changed:
        # The price now fits the band (_price_rule refused it otherwise): the listing is back at once.
        require_price_in_force(listing)
        LISTING_STATES.move(listing, ListingStatus.ACTIVE, seller, note=system_note("listing.price_inside_band"))
    if submit and LISTING_STATES.action("submit").applies_to(listing.status):
        LISTING_STATES.move(listing, ListingStatus.PENDING_REVIEW, seller, action_name="submit")
        _tell_coordinators(listing)
    db.session.flush()
    search.index_listing(listing.id)
    return listing


def _plain(value):
    """JSON-friendly, and equal for equal quantities (12 and 12.000 are no change)."""
    if isinstance(value, Decimal):
        return plain_quantity(value)
    return value


@operation
def set_stock(seller, listing, stock, expected):
    """Quick stock edit: the figure the seller typed, applied against the one they saw; no review needed."""
    require_seller_may_sell(seller)
    _refuse_if_archived(listing)
    _save_stock(seller, listing, stock, expected)


def _save_stock(seller, listing, stock, expected):
    """Move the stock by (stock - expected) if it still is `expected`, else StockChangedMeanwhile: a seller's save
    never overwrites what orders reserved or released since the page was loaded."""
    if stock_moves.adjust(listing.id, new=stock, expected=expected, actor=seller, reason=StockReason.SELLER_SET):
        record_audit(
            seller, "listing.stock_set", listing, before={"stock": _plain(expected)}, after={"stock": _plain(stock)}
        )


@operation
def seller_action(seller, listing, action):
    """Submit for review, pause, resume or archive (the seller's actions of LISTING_STATES)."""
    act = LISTING_STATES.check(listing, action, seller.role)
    if action in ("submit", "resume"):
        require_seller_may_sell(seller)
    if action == "resume":
        require_price_in_force(listing)
    LISTING_STATES.move(listing, act.target, seller, action_name=action)
    if action == "submit":
        _tell_coordinators(listing)


def _decision_subject(decision, title):
    if decision == "approve":
        return _l("Your listing is live: %(title)s", title=title)
    if decision == "reject":
        return _l("Your listing was not approved: %(title)s", title=title)
    return _l("Your listing was suspended: %(title)s", title=title)


class ChangedMeanwhile(DomainError):
    pass


@operation
def moderate_listing(coordinator, listing, decision, reason=None, seen_version=None):
    """A coordinator approves, rejects or suspends a listing of an IKM of their own sentra."""
    if seen_version is not None and seen_version != listing.version:
        raise ChangedMeanwhile(_l("The IKM changed this listing since you opened it: look at it again."))
    if not coordinator_of_listing(coordinator, listing):
        raise NotAllowed(_l("This listing is not in your sentra."))
    act = LISTING_STATES.check(listing, decision, coordinator.role)
    if act.needs_reason:
        reason = require_reason(reason)
    if decision == "approve":
        require_price_in_force(listing)
    LISTING_STATES.move(listing, act.target, coordinator, note=reason or None, action_name=decision)
    mail_organization(
        listing.organization,
        _decision_subject(decision, listing.title),
        "listing_decision",
        listing=listing,
        decision=decision,
        reason=reason,
        link=external_url("catalog.edit_listing", listing_id=listing.id),
    )


# --- the seller's to-dos ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SellerTodos:
    drafts: int = 0
    rejected: int = 0
    price_suspended: int = 0
    out_of_stock: int = 0
    waiting_requests: int = 0

    @property
    def total(self):
        return self.drafts + self.rejected + self.price_suspended + self.out_of_stock + self.waiting_requests


def seller_todos(organization_id):
    """What waits for the IKM: drafts to send, rejected listings to fix, prices to set inside the band, live listings
    out of stock, price requests the coordinator has not answered. Two queries (listings, requests)."""
    # One pass over the IKM's listings: how many per status, and of the active ones how many have no stock.
    rows = db.session.execute(
        select(Listing.status, func.count(Listing.id), func.count(case((Listing.stock <= 0, Listing.id))))
        .where(Listing.organization_id == organization_id)
        .group_by(Listing.status)
    ).all()
    counts = {status: count for status, count, _empty in rows}
    out_of_stock = sum(empty for status, _count, empty in rows if status == ListingStatus.ACTIVE)
    return SellerTodos(
        drafts=counts.get(ListingStatus.DRAFT, 0),
        rejected=counts.get(ListingStatus.REJECTED, 0),
        price_suspended=counts.get(ListingStatus.PRICE_SUSPENDED, 0),
        out_of_stock=out_of_stock,
        waiting_requests=price_rules().waiting_request_count(organization_id),
    )


# --- browsing -------------------------------------------------------------------------------------


@dataclass
class BrowseFilters:
    q: str = ""
    category: Category | None = None
    product_type: ProductType | None = None
    sentra: Sentra | None = None
    province: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool = False
    sni: bool = False
    max_lead: int | None = None
    sort: str = "newest"


def public_listings():
    """Active listings of approved IKMs whose price the schedule in force allows (checked on every read, so a new
    band hides out-of-band listings from its first day, before `flask pricing apply-due` suspends them).

    What a listing card shows is loaded in a fixed number of queries."""
    query = select(Listing).join(Listing.organization).join(Listing.product_type)
    return (
        price_rules()
        .restrict_to_allowed_prices(query)
        .where(Listing.status == ListingStatus.ACTIVE, Organization.status == OrganizationStatus.APPROVED)
        .options(
            joinedload(Listing.organization).joinedload(Organization.sentra),
            joinedload(Listing.product_type).joinedload(ProductType.category),
            selectinload(Listing.photos),
        )
    )


def browse_listings(filters, page, per_page=24):
    """One page of public listings matching the filters, ranked by relevance when searching."""
    query = public_listings()
    if filters.category is not None:
        query = query.where(ProductType.category_id == filters.category.id)
    if filters.product_type is not None:
        query = query.where(Listing.product_type_id == filters.product_type.id)
    if filters.sentra is not None:
        query = query.where(Organization.sentra_id == filters.sentra.id)
    if filters.province:
        query = query.where(Organization.province == filters.province)
    if filters.price_min is not None:
        query = query.where(Listing.price_idr >= filters.price_min)
    if filters.price_max is not None:
        query = query.where(Listing.price_idr <= filters.price_max)
    if filters.in_stock:
        query = query.where(Listing.stock > 0, Listing.stock >= Listing.min_order)
    if filters.sni:
        query = query.where(ProductType.sni_standard.is_not(None), ProductType.sni_standard != "")
    if filters.max_lead is not None:
        query = query.where(Listing.lead_time_days <= filters.max_lead)
    match = search.matches(filters.q)
    if match is not None:
        query = query.join(match, match.c.listing_id == Listing.id)
    order = {
        "newest": (Listing.created_at.desc(), Listing.id.desc()),
        "price_asc": (Listing.price_idr.asc(), Listing.id.asc()),
        "price_desc": (Listing.price_idr.desc(), Listing.id.desc()),
        "lead_time": (Listing.lead_time_days.asc(), Listing.id.asc()),
    }
    if match is not None and filters.sort == "relevance":
        ordering = (match.c.rank.asc(), Listing.id.asc())
    else:
        ordering = order.get(filters.sort, order["newest"])
    return db.paginate(query.order_by(*ordering), page=page, per_page=per_page, error_out=False, max_per_page=100)


def ikm_listings(organization, page, per_page=24):
    """One page of an IKM's public listings, newest first: three queries whatever their number."""
    query = public_listings().where(Listing.organization_id == organization.id)
    query = query.order_by(Listing.created_at.desc(), Listing.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False, max_per_page=100)


def home_listings(limit=8):
    """The newest and the best-stocked public listings."""
    newest = db.session.scalars(
        public_listings().order_by(Listing.created_at.desc(), Listing.id.desc()).limit(limit)
    ).all()
    best_stocked = db.session.scalars(
        public_listings().order_by(Listing.stock.desc(), Listing.id.asc()).limit(limit)
    ).all()
    return newest, best_stocked


def categories_with_counts():
    """Categories in order, each with its number of public listings: two queries."""
    counts = dict(
        db.session.execute(
            select(ProductType.category_id, func.count(Listing.id))
            .join(Listing, Listing.product_type_id == ProductType.id)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(Listing.status == ListingStatus.ACTIVE, Organization.status == OrganizationStatus.APPROVED)
            .group_by(ProductType.category_id)
        ).all()
    )
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    return [(c, counts.get(c.id, 0)) for c in categories]


# --- product types and categories ----------------------------------------------------------------


class UnitInUse(DomainError):
    field = "unit"


def _require_admin(actor):
    # Categories and product types are shared by every sentra: a coordinator only proposes them.
    if getattr(actor, "role", None) != Role.ADMIN:
        raise NotAllowed(_l("Only the platform administrator changes categories and product types."))


@operation
def save_category(actor, category, data: CategoryDetails):
    """Create or edit a category (platform-wide, admin only)."""
    _require_admin(actor)
    clash = db.session.scalar(
        select(Category.id).where(Category.slug == data.slug, Category.id != (category.id if category else -1))
    )
    if clash:
        raise SlugTaken(_l("Another category already uses this short name."))
    fields = ("name", "name_en", "slug", "position")
    before = {f: getattr(category, f) for f in fields} if category else None
    category = category or Category()
    for field in fields:
        setattr(category, field, getattr(data, field))
    db.session.add(category)
    db.session.flush()
    record_audit(actor, "category.saved", category, before=before, after={f: getattr(category, f) for f in fields})
    search.reindex("category", category.id)
    return category


@operation
def save_product_type(actor, product_type, data: ProductTypeDetails, photo_upload=None):
    """Create or edit a product type (platform-wide, admin only); its photo is verified and re-encoded."""
    _require_admin(actor)
    clash = db.session.scalar(
        select(ProductType.id).where(
            ProductType.slug == data.slug, ProductType.id != (product_type.id if product_type else -1)
        )
    )
    if clash:
        raise SlugTaken(_l("Another product type already uses this short name."))
    if db.session.get(Category, data.category_id) is None:
        raise DomainError(_l("Choose a category from the list."), code="unknown_category", field="category_id")
    if product_type is not None and data.unit != product_type.unit:
        # Prices, stock and minimum orders of its listings are counted in this unit.
        in_use = db.session.scalar(select(func.count(Listing.id)).where(Listing.product_type_id == product_type.id))
        if in_use:
            raise UnitInUse(_l("The unit cannot change while listings use this product type."))
    image = process_upload(photo_upload.stream) if photo_upload and photo_upload.filename else None
    fields = ("name", "name_en", "slug", "category_id", "unit", "spec", "sni_standard", "slag_kg_per_unit")
    before = {f: _plain(getattr(product_type, f)) for f in fields} if product_type else None
    product_type = product_type or ProductType()
    for field in fields:
        setattr(product_type, field, getattr(data, field))
    product_type.name_en = data.name_en or None
    product_type.spec = data.spec or ""
    product_type.sni_standard = data.sni_standard or None
    if image is not None or data.remove_photo:
        if product_type.photo_key:
            delete_after_commit(product_type.photo_key)
        product_type.photo_key = None
    if image is not None:
        product_type.photo_key = get_storage().new_key("product-type", "webp")
        save_in_transaction(product_type.photo_key, image.display)
    db.session.add(product_type)
    db.session.flush()
    record_audit(
        actor,
        "product_type.saved",
        product_type,
        before=before,
        after={f: _plain(getattr(product_type, f)) for f in fields},
    )
    search.reindex("product_type", product_type.id)
    return product_type
