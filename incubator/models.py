"""Imports every module's models so that Base.metadata is complete (Alembic, create_all)."""
from .accounts import models as accounts  # noqa: F401
from .admission import models as admission  # noqa: F401
from .assessment import models as assessment  # noqa: F401
from .audit import models as audit  # noqa: F401
from .budget import models as budget  # noqa: F401
from .certificates import models as certificates  # noqa: F401
from .companies import models as companies  # noqa: F401
from .core import models as core  # noqa: F401
from .db import Base  # noqa: F401
from .documents import models as documents  # noqa: F401
from .dossier import models as dossier  # noqa: F401
from .exits import models as exits  # noqa: F401
from .funds import models as funds  # noqa: F401
from .leases import models as leases  # noqa: F401
from .meetings import models as meetings  # noqa: F401
from .spaces import models as spaces  # noqa: F401
from .subsidies import models as subsidies  # noqa: F401
