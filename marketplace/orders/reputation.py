"""Orders' answer to what the catalog shows of an IKM's reviews (marketplace/catalog/reputation.py), installed at app
start."""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import Organization
from marketplace.catalog.reputation import ReputationSummary, ShownReview, install_reputation
from marketplace.core.timeutil import WIB
from marketplace.extensions import db
from marketplace.orders.models import Review


class ReviewReputation:
    def summary_for(self, organization_id):
        # The sum, not AVG: an integer average is exact in Decimal on every database.
        count, total = db.session.execute(
            select(func.count(Review.id), func.coalesce(func.sum(Review.rating), 0)).where(
                Review.seller_organization_id == organization_id
            )
        ).one()
        if not count:
            return ReputationSummary(None, 0)
        average = (Decimal(total) / count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return ReputationSummary(average, count)

    def latest_for(self, organization_id, limit):
        rows = db.session.execute(
            select(Review.rating, Review.comment, Review.created_at, Organization.name)
            .join(Organization, Organization.id == Review.buyer_organization_id)
            .where(Review.seller_organization_id == organization_id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        ).all()
        return [
            ShownReview(rating=rating, comment=comment, buyer_name=name, reviewed_on=created_at.astimezone(WIB).date())
            for rating, comment, created_at, name in rows
        ]


def install(app):
    install_reputation(app, ReviewReputation())
