"""Ad-platform report exports (Google Ads, Meta Ads, LinkedIn Ads) -> the contract's ad spend."""

from sources.ad_exports.convert import ExportError, ExportResult, convert_export

__all__ = ["ExportError", "ExportResult", "convert_export"]
