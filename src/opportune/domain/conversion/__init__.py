"""Lead conversion rules: options, field mapping, fiscal close dates, the plan, and undo."""

from opportune.domain.conversion.fiscal import fiscal_quarter_end
from opportune.domain.conversion.mapping import (
    LEAD_VALUE_FIELDS,
    STANDARD_MAPPING,
    FieldMapping,
    check_mappings,
    mapping_for,
)
from opportune.domain.conversion.options import (
    CONVERT_OPTIONS,
    MAX_OPPORTUNITY_NAME,
    ConvertOptions,
    parse_options,
)
from opportune.domain.conversion.plan import (
    ActivityMove,
    ConversionPlan,
    ConversionSetup,
    ConversionTargets,
    RecordPlan,
    plan_conversion,
)
from opportune.domain.conversion.undo import (
    ActivityLink,
    ConversionRecord,
    MergedFields,
    UndoBlocker,
    UndoPlan,
    UndoState,
    plan_undo,
)

__all__ = [
    "CONVERT_OPTIONS",
    "LEAD_VALUE_FIELDS",
    "MAX_OPPORTUNITY_NAME",
    "STANDARD_MAPPING",
    "ActivityLink",
    "ActivityMove",
    "ConversionPlan",
    "ConversionRecord",
    "ConversionSetup",
    "ConversionTargets",
    "ConvertOptions",
    "FieldMapping",
    "MergedFields",
    "RecordPlan",
    "UndoBlocker",
    "UndoPlan",
    "UndoState",
    "check_mappings",
    "fiscal_quarter_end",
    "mapping_for",
    "parse_options",
    "plan_conversion",
    "plan_undo",
]
