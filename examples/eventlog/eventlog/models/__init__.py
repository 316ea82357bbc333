"""All eventlog models. Importing this package registers every mapped class."""

from .accounts import (
    AccessPermission,
    ApiKey,
    Favorite,
    Group,
    Invitation,
    NotificationDestination,
    Organization,
    User,
    UserSetting,
    user_groups,
)
from .base import ArchivableMixin, Base, BelongsToOrgMixin, TimestampMixin, make_engine, make_session
from .dashboards import (
    Dashboard,
    DashboardFilter,
    DashboardSubscription,
    DashboardVersion,
    Folder,
    PublicShare,
    Widget,
    dashboard_tags,
)
from .events import (
    Alert,
    AlertEvaluation,
    AlertSubscription,
    DailyEventCount,
    Event,
    Notification,
    Webhook,
    WebhookDelivery,
)
from .queries import (
    DataSource,
    DataSourceGroup,
    Query,
    QueryParameter,
    QueryResult,
    QuerySnippet,
    QueryVersion,
    ScheduledRun,
    Tag,
    Visualization,
    query_tags,
)

__all__ = [
    "AccessPermission", "Alert", "AlertEvaluation", "AlertSubscription", "ApiKey",
    "ArchivableMixin", "Base", "BelongsToOrgMixin", "DailyEventCount", "Dashboard",
    "DashboardFilter", "DashboardSubscription", "DashboardVersion", "DataSource",
    "DataSourceGroup", "Event", "Favorite", "Folder", "Group", "Invitation",
    "Notification", "NotificationDestination", "Organization", "PublicShare", "Query",
    "QueryParameter", "QueryResult", "QuerySnippet", "QueryVersion", "ScheduledRun",
    "Tag", "TimestampMixin", "User", "UserSetting", "Visualization", "Webhook",
    "WebhookDelivery", "Widget", "dashboard_tags", "make_engine", "make_session",
    "query_tags", "user_groups",
]
