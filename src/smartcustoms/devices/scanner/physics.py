"""Attenuation physics for a high-energy dual-energy cargo scanner (3 MeV / 6 MeV, mono-energetic model).

Mass attenuation coefficients μ/ρ (cm²/g) are the NIST XCOM values quoted in ../shared/domain/imaging.md §2.2.
``wood`` and ``cellulose`` (paper) use the water values scaled by 0.98 (they are C/H/O compounds like water; the
small difference is ours, not NIST's). T = exp(−Σ_m (μ/ρ)_m · ad_m) with ad the areal density in g/cm² along the
beam (Beer–Lambert)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOW_MEV = 3.0
HIGH_MEV = 6.0


@dataclass(frozen=True)
class Material:
    name: str
    density: float  # g/cm³
    mu_low: float  # μ/ρ at 3 MeV, cm²/g
    mu_high: float  # μ/ρ at 6 MeV, cm²/g


MATERIALS: dict[str, Material] = {m.name: m for m in (
    Material("water", 1.0, 0.03969, 0.02770),
    Material("polyethylene", 0.94, 0.04045, 0.02760),
    Material("aluminium", 2.70, 0.03541, 0.02655),
    Material("iron", 7.874, 0.03621, 0.03057),
    Material("lead", 11.35, 0.04234, 0.04391),
    Material("cellulose", 1.5, 0.03969 * 0.98, 0.02770 * 0.98),
)}
ORDER: tuple[str, ...] = tuple(MATERIALS)
MU_LOW = np.array([MATERIALS[m].mu_low for m in ORDER])
MU_HIGH = np.array([MATERIALS[m].mu_high for m in ORDER])


def ratio(material: str) -> float:
    """R = μ_L/μ_H of a pure material (independent of thickness in the mono-energetic model)."""
    m = MATERIALS[material]
    return m.mu_low / m.mu_high


def transmission(areal: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(T_low, T_high) for areal-density maps (g/cm²) per material."""
    shape = next(iter(areal.values())).shape
    a_low = np.zeros(shape)
    a_high = np.zeros(shape)
    for name, ad in areal.items():
        m = MATERIALS[name]
        a_low += m.mu_low * ad
        a_high += m.mu_high * ad
    return np.exp(-a_low), np.exp(-a_high)
