"""Catalog pages: home, browse and search, listing, IKM and sentra pages, seller listings, moderation."""

import mimetypes

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, Sentra
from marketplace.accounts.regions import PROVINCES
from marketplace.accounts.services import sentra_overview
from marketplace.catalog import bp, services
from marketplace.catalog.forms import (
    BrowseForm,
    CategoryForm,
    EditListingForm,
    ListingActionForm,
    ModerationForm,
    NewListingForm,
    PhotoActionForm,
    ProductTypeForm,
    StockForm,
)
from marketplace.catalog.models import LISTING_STATES, Category, Listing, ListingPhoto, ListingStatus, ProductType
from marketplace.catalog.price_rules import price_rules
from marketplace.catalog.reputation import LATEST_REVIEWS, reputation
from marketplace.catalog.stock import StockChangedMeanwhile
from marketplace.core.access import PUBLIC, allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.forms import choices, show_error, values_of
from marketplace.core.images import ImageRejected
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.core.security import safe_next_url
from marketplace.core.storage import get_storage
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.core.uploads import accepts_uploads, upload_rate_limit
from marketplace.extensions import db

PER_PAGE = 24
BROWSE_ARGS = ("q", "sentra", "province", "price_min", "price_max", "in_stock", "sni", "max_lead", "sort")
# The filters a phone folds behind one button (the search box, category and product type stay in sight).
# The seller's list filtered to live listings with nothing in stock (a to-do, not a status).
OUT_OF_STOCK = "out_of_stock"
FOLDED_FILTERS = ("sentra", "province", "price_min", "price_max", "in_stock", "sni", "max_lead")


@bp.get("/")
@allow(PUBLIC)
def home():
    newest, best_stocked = services.home_listings()
    return render_template(
        "catalog/home.html",
        card_schedules=price_rules().schedules_for([*newest, *best_stocked]),
        sentras=sentra_overview(),
        categories=services.categories_with_counts(),
        newest=newest,
        best_stocked=best_stocked,
    )


# --- browse and search ----------------------------------------------------------------------------


def _browse_form():
    form = BrowseForm(formdata=request.args)
    sentras = db.session.scalars(select(Sentra).order_by(Sentra.name)).all()
    form.sentra.choices = choices([("", _l("All sentras"))] + [(s.slug, s.name) for s in sentras])
    form.province.choices = choices([("", _l("All provinces"))] + [(p, p) for p in PROVINCES])
    if form.q.data:
        form.sort.choices = choices([("relevance", _l("Best match"))]) + list(form.sort.choices)
    return form, {s.slug: s for s in sentras}


def _canonical_browse_url(category_slug, product_type_slug):
    """The filter form's category and product-type selects send `?category=` and `?product_type=`: their page is
    the path /products/<category>/<product type>, with the other filters kept. None when there is nothing to move.

    An unknown slug, or a product type of another category, is dropped rather than refused."""
    if "category" not in request.args and "product_type" not in request.args:
        return None
    chosen = (request.args.get("category") or "").strip()[:80]
    category = db.session.scalar(select(Category).where(Category.slug == chosen)) if chosen else None
    product_type = None
    chosen_type = (request.args.get("product_type") or "").strip()[:120]
    if category is not None and chosen_type:
        product_type = db.session.scalar(
            select(ProductType).where(ProductType.slug == chosen_type, ProductType.category_id == category.id)
        )
    return url_for(
        "catalog.browse",
        category_slug=category.slug if category else None,
        product_type_slug=product_type.slug if product_type else None,
        **_filter_args(),
    )


def _filter_args():
    """The filters of this request that travel to other browse links: other query keys never reach url_for."""
    return {name: request.args[name] for name in BROWSE_ARGS if request.args.get(name)}


@bp.get("/products")
@bp.get("/products/<category_slug>")
@bp.get("/products/<category_slug>/<product_type_slug>")
@allow(PUBLIC)
def browse(category_slug=None, product_type_slug=None):
    moved = _canonical_browse_url(category_slug, product_type_slug)
    if moved is not None:
        return redirect(moved)
    category = product_type = None
    if category_slug is not None:
        category = db.session.scalar(select(Category).where(Category.slug == category_slug)) or abort(404)
    if product_type_slug is not None:
        product_type = db.session.scalar(
            select(ProductType).where(ProductType.slug == product_type_slug, ProductType.category_id == category.id)
        ) or abort(404)
    form, sentras_by_slug = _browse_form()
    form.validate()  # junk is shown as an error on its filter and otherwise ignored
    valid = lambda field: field.data if not field.errors else None  # noqa: E731
    chosen_sort = valid(form.sort) if request.args.get("sort") else None
    sort = chosen_sort or ("relevance" if form.q.data and not form.q.errors else "newest")
    form.sort.data = sort
    filters = services.BrowseFilters(
        q=(form.q.data or "") if not form.q.errors else "",
        category=category,
        product_type=product_type,
        sentra=sentras_by_slug.get(valid(form.sentra) or ""),
        province=valid(form.province) or None,
        price_min=valid(form.price_min),
        price_max=valid(form.price_max),
        in_stock=bool(form.in_stock.data),
        sni=bool(form.sni.data),
        max_lead=valid(form.max_lead),
        sort=sort,
    )
    pagination = services.browse_listings(filters, page_arg(), PER_PAGE)
    product_types = category.product_types if category is not None else []
    args = _filter_args()
    return render_template(
        "catalog/browse.html",
        card_schedules=price_rules().schedules_for(pagination.items),
        active_filters=sum(1 for name in FOLDED_FILTERS if request.args.get(name)),
        form=form,
        pagination=pagination,
        category=category,
        product_type=product_type,
        product_types=product_types,
        categories=db.session.scalars(select(Category).order_by(Category.position, Category.name)).all(),
        page_args=args,
        locale=str(get_locale()),
    )


# --- public pages ---------------------------------------------------------------------------------


@bp.get("/listings/<int:listing_id>")
@allow(PUBLIC)
def listing_detail(listing_id):
    listing = db.session.scalar(
        select(Listing)
        .where(Listing.id == listing_id)
        .options(
            joinedload(Listing.organization).joinedload(Organization.sentra),
            joinedload(Listing.product_type).joinedload(ProductType.category),
            selectinload(Listing.photos),
        )
    )
    if listing is None:
        abort(404)
    # Looked up once: it decides who may see the listing and it is the sentra's price shown beside the IKM's.
    schedule = price_rules().schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
    if not services.may_view_listing(current_user, listing, schedule):
        abort(404)
    return render_template(
        "catalog/listing.html",
        listing=listing,
        public=services.is_publicly_visible(listing, schedule),
        schedule=schedule,
        show_phone=services.may_see_public_phone(current_user, listing.organization),
        rating=reputation().summary_for(listing.organization_id),
    )


def _public_ikm(user, org):
    return org.is_ikm and org.status == OrganizationStatus.APPROVED


@bp.get("/ikm/<int:organization_id>")
@allow(PUBLIC)
def ikm_profile(organization_id):
    org = object_or_404(Organization, organization_id, _public_ikm)
    pagination = services.ikm_listings(org, page_arg(), PER_PAGE)
    return render_template(
        "catalog/ikm.html",
        org=org,
        pagination=pagination,
        card_schedules=price_rules().schedules_for(pagination.items),
        show_phone=services.may_see_public_phone(current_user, org),
        rating=reputation().summary_for(org.id),
        reviews=reputation().latest_for(org.id, LATEST_REVIEWS),
    )


@bp.get("/sentra/<slug>")
@allow(PUBLIC)
def sentra_page(slug):
    sentra = db.session.scalar(select(Sentra).where(Sentra.slug == slug)) or abort(404)
    ikms = db.session.execute(
        select(Organization, func.count(Listing.id))
        .outerjoin(Listing, (Listing.organization_id == Organization.id) & (Listing.status == ListingStatus.ACTIVE))
        .where(
            Organization.sentra_id == sentra.id,
            Organization.kind == OrganizationKind.IKM,
            Organization.status == OrganizationStatus.APPROVED,
        )
        .group_by(Organization.id)
        .order_by(Organization.name)
    ).all()
    listings = db.session.scalars(
        services.public_listings()
        .where(Organization.sentra_id == sentra.id)
        .order_by(Listing.created_at.desc())
        .limit(48)
    ).all()
    return render_template(
        "catalog/sentra.html",
        sentra=sentra,
        ikms=ikms,
        listings=listings,
        card_schedules=price_rules().schedules_for(listings),
    )


@bp.get("/media/<path:key>")
@allow(PUBLIC)
def media(key):
    # Only catalog photos, and only keys the database names (never a path built around one). A product type's photo
    # is public; a listing's photo is public while the listing is, else only for those who may see the listing,
    # and never kept by a shared cache. Any other kind of stored file needs a route of its own.
    if key.startswith("product-type/"):
        public = db.session.scalar(select(ProductType.id).where(ProductType.photo_key == key).limit(1)) is not None
        if not public:
            abort(404)
    elif key.startswith("listing/"):
        photo = services.photo_by_key(key)
        if photo is None:
            abort(404)
        public = services.is_publicly_visible(photo.listing)
        if not public and not services.may_view_unpublished(current_user, photo.listing):
            abort(404)
    else:
        abort(404)
    storage = get_storage()
    if not storage.exists(key):
        abort(404)
    mimetype = mimetypes.guess_type(key)[0] or "application/octet-stream"
    response = send_file(
        storage.open(key),
        mimetype=mimetype,
        max_age=60 * 60 * 24 * 30 if public else None,
        download_name=key.rsplit("/", 1)[-1],
    )
    response.headers["Content-Disposition"] = "inline"
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- sellers --------------------------------------------------------------------------------------


def _my_listing(listing_id):
    return object_or_404(Listing, listing_id, services.is_own_listing)


def _product_type_choices():
    types = db.session.scalars(
        select(ProductType)
        .options(joinedload(ProductType.category))
        .order_by(ProductType.category_id, ProductType.name)
    ).all()
    locale = str(get_locale())
    return choices(
        [("", _l("Choose a product type"))] + [(t.id, f"{t.display_name(locale)} ({t.unit_label})") for t in types]
    )


@bp.get("/seller/listings")
@allow(Role.SELLER)
def seller_listings():
    status = request.args.get("status", "")
    query = (
        select(Listing)
        .where(Listing.organization_id == current_user.organization_id)
        .options(joinedload(Listing.product_type), selectinload(Listing.photos))
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )
    if status in ListingStatus.ALL:
        query = query.where(Listing.status == status)
    elif status == OUT_OF_STOCK:
        query = query.where(Listing.status == ListingStatus.ACTIVE, Listing.stock <= 0)
    else:
        query = query.where(Listing.status != ListingStatus.ARCHIVED)
        status = ""
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "catalog/seller_listings.html",
        pagination=pagination,
        status=status,
        org=current_user.organization,
        todos=services.seller_todos(current_user.organization_id) if current_user.organization.can_sell else None,
        stock_form=StockForm(),
        action_form=ListingActionForm(),
    )


def _listing_form_page(form, listing):
    return render_template(
        "catalog/listing_form.html",
        form=form,
        listing=listing,
        photo_form=PhotoActionForm(),
        action_form=ListingActionForm(),
        **price_rules().listing_form_context(current_user.organization, listing),
    )


def _count_refused_price(error, product_type_id, listing=None):
    """A price the band refused is counted for the competition monitor: the only write of this request."""
    if error.schedule is not None:
        price_rules().record_refused_price(
            current_user, error.schedule, error.price_idr, product_type_id, listing=listing
        )


@bp.route("/seller/listings/new", methods=["GET", "POST"])
@allow(Role.SELLER)
@accepts_uploads()
@upload_rate_limit()
def new_listing():
    if not current_user.organization.can_sell:
        flash(_l("Your IKM can list products once a coordinator of your sentra has approved it."), "warning")
        return redirect(url_for("catalog.seller_listings"))
    form = NewListingForm()
    form.product_type_id.choices = _product_type_choices()
    if form.validate_on_submit():
        try:
            listing = services.create_listing(
                current_user,
                values_of(form, services.ListingDetails),
                uploads=request.files.getlist("photos"),
                submit="submit" in request.form,
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission as error:
            # Where the first submit went: the listing it made.
            listing_id = error.made(Listing)
            return already_sent(
                url_for("catalog.edit_listing", listing_id=listing_id)
                if listing_id
                else url_for("catalog.seller_listings")
            )
        except services.PriceOutsideBand as error:
            _count_refused_price(error, form.product_type_id.data)
            show_error(form, error)
        except DomainError as error:
            show_error(form, error, fallback="photos" if isinstance(error, ImageRejected) else None)
        else:
            flash(
                _l("Listing sent to the coordinator for review.") if "submit" in request.form else _l("Draft saved."),
                "success",
            )
            return redirect(url_for("catalog.edit_listing", listing_id=listing.id))
    return _listing_form_page(form, None)


@bp.route("/seller/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@allow(Role.SELLER)
@accepts_uploads()
@upload_rate_limit()
def edit_listing(listing_id):
    listing = _my_listing(listing_id)
    form = EditListingForm(obj=listing, expected_stock=listing.stock)
    form.product_type_id.choices = _product_type_choices()
    if form.validate_on_submit():
        was = listing.status
        try:
            services.update_listing(
                current_user,
                listing,
                values_of(form, services.ListingDetails),
                uploads=request.files.getlist("photos"),
                submit="submit" in request.form,
            )
        except services.PriceOutsideBand as error:
            _count_refused_price(error, form.product_type_id.data, listing=listing)
            show_error(form, error)
        except StockChangedMeanwhile as error:
            # The seller's figure stays in the field; saving again applies it to the stock as it is now.
            show_error(form, error)
            form.expected_stock.raw_data, form.expected_stock.data = None, error.current
        except DomainError as error:
            show_error(form, error, fallback="photos" if isinstance(error, ImageRejected) else None)
        else:
            if listing.status == ListingStatus.PENDING_REVIEW and was != ListingStatus.PENDING_REVIEW:
                flash(_l("Your changes go to the coordinator for review before buyers see them."), "info")
            else:
                flash(_l("Listing saved."), "success")
            return redirect(url_for("catalog.edit_listing", listing_id=listing.id))
        listing = _my_listing(listing_id)
    return _listing_form_page(form, listing)


@bp.post("/seller/listings/<int:listing_id>/action")
@allow(Role.SELLER)
def listing_action(listing_id):
    listing = _my_listing(listing_id)
    form = ListingActionForm()
    if not form.validate_on_submit():
        flash(_l("Unknown action."), "danger")
    else:
        try:
            services.seller_action(current_user, listing, form.action.data)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Listing status: %(status)s.", status=LISTING_STATES.label(listing.status)), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("catalog.seller_listings")))


@bp.post("/seller/listings/<int:listing_id>/stock")
@allow(Role.SELLER)
def set_stock(listing_id):
    listing = _my_listing(listing_id)
    form = StockForm()
    if form.validate_on_submit():
        try:
            services.set_stock(current_user, listing, form.stock.data, form.expected_stock.data)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Stock of %(title)s saved.", title=listing.title), "success")
    else:
        errors = form.stock.errors or form.expected_stock.errors
        flash(_l("Stock: %(error)s", error=errors[0]), "danger")
    return redirect(url_for("catalog.seller_listings"))


def _my_photo(listing, photo_id):
    return object_or_404(ListingPhoto, photo_id, lambda user, photo: photo.listing_id == listing.id)


@bp.post("/seller/listings/<int:listing_id>/photos/<int:photo_id>/cover")
@allow(Role.SELLER)
def photo_cover(listing_id, photo_id):
    listing = _my_listing(listing_id)
    photo = _my_photo(listing, photo_id)
    if PhotoActionForm().validate_on_submit():
        try:
            services.set_cover(current_user, listing, photo)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Cover photo changed."), "success")
    return redirect(url_for("catalog.edit_listing", listing_id=listing.id))


@bp.post("/seller/listings/<int:listing_id>/photos/<int:photo_id>/delete")
@allow(Role.SELLER)
def photo_delete(listing_id, photo_id):
    listing = _my_listing(listing_id)
    photo = _my_photo(listing, photo_id)
    if PhotoActionForm().validate_on_submit():
        try:
            services.remove_photo(current_user, listing, photo)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Photo removed."), "success")
    return redirect(url_for("catalog.edit_listing", listing_id=listing.id))


# --- coordinators: moderation ---------------------------------------------------------------------


# Every status a coordinator acts on or watches has its tab (drafts and archives are the IKM's own).
MODERATION_TABS = (
    ListingStatus.PENDING_REVIEW,
    ListingStatus.ACTIVE,
    ListingStatus.PAUSED,
    ListingStatus.PRICE_SUSPENDED,
    ListingStatus.SUSPENDED,
    ListingStatus.REJECTED,
)


@bp.get("/coordinator/listings")
@allow(Role.COORDINATOR)
def moderation_queue():
    status = request.args.get("status", ListingStatus.PENDING_REVIEW)
    if status not in MODERATION_TABS:
        status = ListingStatus.PENDING_REVIEW
    query = (
        select(Listing)
        .join(Listing.organization)
        .where(Organization.sentra_id == current_user.sentra_id, Listing.status == status)
        .options(joinedload(Listing.organization), joinedload(Listing.product_type), selectinload(Listing.photos))
        .order_by(Listing.updated_at.asc(), Listing.id.asc())
    )
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("catalog/moderation_queue.html", pagination=pagination, status=status, tabs=MODERATION_TABS)


def _listing_of_my_sentra(listing_id):
    return object_or_404(Listing, listing_id, services.coordinator_of_listing)


@bp.route("/coordinator/listings/<int:listing_id>", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def moderate_listing(listing_id):
    listing = _listing_of_my_sentra(listing_id)
    form = ModerationForm()
    if form.validate_on_submit():
        try:
            services.moderate_listing(
                current_user, listing, form.decision.data, form.reason.data or None, seen_version=form.version.data
            )
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Decision saved; the IKM has been emailed."), "success")
            return redirect(url_for("catalog.moderation_queue"))
    events = listing.events.all()
    form.version.data = listing.version
    return render_template("catalog/moderate_listing.html", listing=listing, form=form, events=events)


# --- categories and product types: coordinators read them, the admin changes them ----------------


@bp.get("/catalog/product-types")
@allow(*Role.STAFF)
def product_types():
    types = db.session.scalars(
        select(ProductType)
        .options(joinedload(ProductType.category))
        .order_by(ProductType.category_id, ProductType.name)
    ).all()
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    return render_template("catalog/product_types.html", product_types=types, categories=categories)


def _category_choices():
    return choices(
        [("", _l("Choose a category"))]
        + [
            (c.id, c.display_name(str(get_locale())))
            for c in db.session.scalars(select(Category).order_by(Category.position))
        ]
    )


def _product_type_form(product_type):
    form = ProductTypeForm(obj=product_type)
    form.category_id.choices = _category_choices()
    if form.validate_on_submit():
        try:
            services.save_product_type(
                current_user,
                product_type,
                values_of(form, services.ProductTypeDetails),
                photo_upload=request.files.get("photo"),
            )
        except DomainError as error:
            show_error(form, error, fallback="photo" if isinstance(error, ImageRejected) else None)
        else:
            flash(_l("The product type has been saved."), "success")
            return redirect(url_for("catalog.product_types"))
    return render_template("catalog/product_type_form.html", form=form, product_type=product_type)


@bp.route("/catalog/product-types/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
@accepts_uploads()
def new_product_type():
    return _product_type_form(None)


@bp.route("/catalog/product-types/<int:product_type_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
@accepts_uploads()
def edit_product_type(product_type_id):
    return _product_type_form(db.session.get(ProductType, product_type_id) or abort(404))


def _category_form(category):
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            services.save_category(current_user, category, values_of(form, services.CategoryDetails))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("The category has been saved."), "success")
            return redirect(url_for("catalog.product_types"))
    return render_template("catalog/category_form.html", form=form, category=category)


@bp.route("/catalog/categories/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_category():
    return _category_form(None)


@bp.route("/catalog/categories/<int:category_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_category(category_id):
    return _category_form(db.session.get(Category, category_id) or abort(404))
