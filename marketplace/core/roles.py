"""The four roles a user account has: one place for their names."""


class Role:
    BUYER = "buyer"  # a manufacturer's employee: orders
    SELLER = "seller"  # an IKM's employee: lists products
    COORDINATOR = "coordinator"  # of one sentra: prices, moderation, reports
    ADMIN = "admin"  # the platform's administrator
    ALL = (BUYER, SELLER, COORDINATOR, ADMIN)
    STAFF = (COORDINATOR, ADMIN)  # created by an admin, never registered
