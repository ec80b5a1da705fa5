"""All models, imported here so Alembic and the app see the whole schema."""

from backoffice.models.address import Address
from backoffice.models.assignment import CustomerAssignment
from backoffice.models.base import Base
from backoffice.models.contact import Contact, ContactRole
from backoffice.models.custom_field import CustomFieldDefinition
from backoffice.models.customer import BillingInfo, Customer, SharedAccount
from backoffice.models.customer_group import CustomerGroup, CustomerGroupMember
from backoffice.models.customer_link import CustomerLink
from backoffice.models.discount_letter import DiscountLetter
from backoffice.models.history import HistoryEntry
from backoffice.models.import_job import ImportJob
from backoffice.models.location_group import LocationGroup
from backoffice.models.notification import Notification, OutboxMessage
from backoffice.models.organization import Organization
from backoffice.models.role import Role, RolePermission
from backoffice.models.saved_view import SavedView
from backoffice.models.session import UserSession
from backoffice.models.settings import RegisterSettings
from backoffice.models.two_factor import RecoveryCode, UserTwoFactor
from backoffice.models.user import User

__all__ = [
    "Role",
    "RolePermission",
    "CustomerAssignment",
    "Address", "Base", "BillingInfo", "Contact", "ContactRole", "Customer", "CustomerGroup", "CustomerGroupMember", "CustomerLink", "CustomFieldDefinition", "DiscountLetter", "HistoryEntry", "ImportJob", "LocationGroup", "Notification", "Organization", "OutboxMessage",
    "RecoveryCode", "RegisterSettings", "SavedView", "SharedAccount", "User", "UserSession", "UserTwoFactor",
]
