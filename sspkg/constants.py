"""Closed sets of the storage service's vocabulary: purposes, statuses, types, roles."""

from enum import Enum


class Purpose(str, Enum):
    """What a location is for (the SS location purposes)."""

    AR = "AR"  # AIP recovery
    AS = "AS"  # AIP storage
    CP = "CP"  # currently processing
    DS = "DS"  # DIP storage
    SD = "SD"  # SWORD deposit
    SS = "SS"  # storage service internal
    BL = "BL"  # transfer backlog
    TS = "TS"  # transfer source
    RP = "RP"  # replicator


class PackageStatus(str, Enum):
    """Life cycle of a package; the store job moves PENDING -> STAGING -> UPLOADED or FAIL."""

    PENDING = "PENDING"
    STAGING = "STAGING"
    UPLOADED = "UPLOADED"
    VERIFIED = "VERIFIED"
    FAIL = "FAIL"
    DEL_REQ = "DEL_REQ"
    DELETED = "DELETED"
    FINALIZE = "FINALIZE"
    MOVING = "MOVING"
    RECOVER_REQ = "RECOVER_REQ"


class PackageType(str, Enum):
    """Kinds of package the SS model knows."""

    AIP = "AIP"
    AIC = "AIC"
    SIP = "SIP"
    DIP = "DIP"
    TRANSFER = "transfer"
    FILE = "file"
    DEPOSIT = "deposit"


class Role(str, Enum):
    """What a user may do: readers read, users also write packages, admins everything."""

    READER = "reader"
    USER = "user"
    ADMIN = "admin"


BOOTSTRAP_PURPOSES = (Purpose.CP, Purpose.TS, Purpose.AS, Purpose.DS, Purpose.BL, Purpose.SS)
"""Purposes of the locations bootstrap creates in the default space."""

STORE_ORIGIN_PURPOSES = frozenset({Purpose.CP, Purpose.TS})
"""Where a package to store may come from."""

STORE_DESTINATIONS = {
    Purpose.AS: frozenset({PackageType.AIP, PackageType.AIC}),
    Purpose.DS: frozenset({PackageType.DIP}),
    Purpose.BL: frozenset({PackageType.TRANSFER}),
}
"""Which package types each destination purpose accepts."""

IN_FLIGHT_STATUSES = frozenset({PackageStatus.PENDING, PackageStatus.STAGING})
"""Statuses of a package whose store job has not ended."""

WORKED_ON_STATUSES = frozenset({PackageStatus.PENDING.value, PackageStatus.STAGING.value,
                                PackageStatus.MOVING.value})
"""Statuses in which a job must exist for the package (the supervisor checks)."""

CHECKSUM_ALGORITHM = "sha256"
"""Algorithm of the recorded package checksum."""
