"""Customer enums with their exact wire values (contract §6)."""

from django.db import models


class PaymentMethodType(models.TextChoices):
    CARD = "CARD"
    BANK = "BANK"
    CASH_APP = "CASH_APP"
    PAYPAL = "PAYPAL"


class VendorIdentifier(models.TextChoices):
    AUTH0 = "AUTH0"
    ZUORA = "ZUORA"
    STRIPE = "STRIPE"
    HUBSPOT = "HUBSPOT"
    AWS_MARKETPLACE = "AWS_MARKETPLACE"
    SNOWFLAKE = "SNOWFLAKE"
    SALESFORCE = "SALESFORCE"
    BIG_QUERY = "BIG_QUERY"
    OPEN_FGA = "OPEN_FGA"
    APP_STORE = "APP_STORE"
    RECEIVED = "RECEIVED"
    PREQUEL = "PREQUEL"
    AIRWALLEX = "AIRWALLEX"
    STRIPE_INVOICING = "STRIPE_INVOICING"
