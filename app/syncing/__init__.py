"""The company file's side of sync: the transactional outbox (``capture``), the local store
that applies pulled pages (``store``) and the use cases (``service``). Importing the package
registers the outbox hook on every unit of work of this process."""

from app.storage.uow import add_commit_hook
from app.syncing.capture import before_commit

add_commit_hook(before_commit)
