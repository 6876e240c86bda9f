"""Companies (入驻企业/项目), their qualifications and referring agents (招商中介)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, TimestampMixin


class IndustryTrack(LabeledEnum):
    DIGITAL = "digital"
    NEW_ENERGY = "new_energy"
    RD_PLATFORM = "rd_platform"
    MODERN_SERVICES = "modern_services"


IndustryTrack.__labels__ = {
    IndustryTrack.DIGITAL: _l("Digital economy"),
    IndustryTrack.NEW_ENERGY: _l("New energy"),
    IndustryTrack.RD_PLATFORM: _l("New R&D platform / institution"),
    IndustryTrack.MODERN_SERVICES: _l("Modern services"),
}
IndustryTrack.__badges__ = {IndustryTrack.DIGITAL: "blue", IndustryTrack.NEW_ENERGY: "green",
                            IndustryTrack.RD_PLATFORM: "purple", IndustryTrack.MODERN_SERVICES: "orange"}


class CompanyStatus(LabeledEnum):
    APPLICANT = "applicant"
    TENANT = "tenant"
    EXITED = "exited"
    GRADUATED = "graduated"


CompanyStatus.__labels__ = {
    CompanyStatus.APPLICANT: _l("Applicant"),
    CompanyStatus.TENANT: _l("Tenant"),
    CompanyStatus.EXITED: _l("Exited"),
    CompanyStatus.GRADUATED: _l("Graduated"),
}
CompanyStatus.__badges__ = {CompanyStatus.APPLICANT: "yellow", CompanyStatus.TENANT: "green",
                            CompanyStatus.EXITED: "secondary", CompanyStatus.GRADUATED: "azure"}


class QualificationKind(LabeledEnum):
    TECH_SME = "tech_sme"
    HIGH_TECH = "high_tech"
    SPECIALIZED = "specialized"
    GAZELLE = "gazelle"
    ABOVE_SCALE = "above_scale"


QualificationKind.__labels__ = {
    QualificationKind.TECH_SME: _l("Tech-based SME"),
    QualificationKind.HIGH_TECH: _l("High-tech enterprise"),
    QualificationKind.SPECIALIZED: _l("Specialized and sophisticated SME"),
    QualificationKind.GAZELLE: _l("Gazelle enterprise"),
    QualificationKind.ABOVE_SCALE: _l("Above-scale enterprise"),
}


class Agent(TimestampMixin, Base):
    """An investment-promotion agent who refers companies (recorded for the agent's reward)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)


class Company(TimestampMixin, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("headcount >= 0 AND talents_bachelor >= 0 AND talents_high_level >= 0", name="talent_counts"),
        CheckConstraint("ip_invention >= 0 AND ip_utility >= 0 AND ip_software >= 0 AND ip_other >= 0",
                        name="ip_counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_rep: Mapped[str | None] = mapped_column(String(60))
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    founded_on: Mapped[dt.date | None]
    track: Mapped[IndustryTrack | None] = mapped_column(enum_column(IndustryTrack), index=True)
    sub_field: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    headcount: Mapped[int] = mapped_column(default=0)
    talents_bachelor: Mapped[int] = mapped_column(default=0)
    talents_high_level: Mapped[int] = mapped_column(default=0)
    ip_invention: Mapped[int] = mapped_column(default=0)
    ip_utility: Mapped[int] = mapped_column(default=0)
    ip_software: Mapped[int] = mapped_column(default=0)
    ip_other: Mapped[int] = mapped_column(default=0)
    is_platform: Mapped[bool] = mapped_column(default=False)  # 科技创新平台 (counted against the targets)
    status: Mapped[CompanyStatus] = mapped_column(enum_column(CompanyStatus), default=CompanyStatus.APPLICANT,
                                                  index=True)
    moved_in_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    agent: Mapped[Agent | None] = relationship(lazy="joined")
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Qualification.obtained_on")
    members = relationship("User", primaryjoin="User.company_id == Company.id", viewonly=True,
                           order_by="User.id")

    @property
    def is_active_member_company(self) -> bool:
        """Members may change records while applying or in residence; afterwards read-only."""
        return self.status in (CompanyStatus.APPLICANT, CompanyStatus.TENANT)

    def qualification_kinds_on(self, day: dt.date) -> set[QualificationKind]:
        return {q.kind for q in self.qualifications if q.is_valid_on(day)}


class Qualification(Base):
    __tablename__ = "qualifications"
    __table_args__ = (CheckConstraint("expires_on IS NULL OR expires_on >= obtained_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QualificationKind] = mapped_column(enum_column(QualificationKind))
    certificate_no: Mapped[str | None] = mapped_column(String(60))
    obtained_on: Mapped[dt.date]
    expires_on: Mapped[dt.date | None]

    company: Mapped[Company] = relationship(back_populates="qualifications")

    def is_valid_on(self, day: dt.date) -> bool:
        return self.obtained_on <= day and (self.expires_on is None or day <= self.expires_on)
