"""Queue names, in one place. Workers listen to all of them in this order."""

DEFAULT = "dvcq-default"
DOCUMENTS = "dvcq-documents"
IMPORTS = "dvcq-imports"
NOTIFICATIONS = "dvcq-notifications"

ALL = (DOCUMENTS, IMPORTS, NOTIFICATIONS, DEFAULT)
