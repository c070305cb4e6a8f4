"""Scenario loading, the embedded networks, and every bad-input path of the foundation CLI."""
import time

import numpy as np
import pytest

from conftest import run_cli_subprocess
from scenarios.config.scenario import BUILTIN_NETWORKS, load_scenario


def test_every_embedded_network_validates(scenario, dem):
    from radar.coverage import compute_geometry

    assert set(BUILTIN_NETWORKS) <= set(scenario.networks)
    for net in scenario.networks.values():
        geom = compute_geometry(net.radars, dem, scenario.terrain, scenario.coverage)
        assert len(geom.radars) == len(net.radars) > 0
        for g in geom.radars:
            assert np.isfinite(g.min_visible_msl).any()
        for r in net.radars:
            assert r.source and r.confidence  # provenance kept on every entry


def test_peru_network_is_the_cards_thales_network(scenario):
    peru = scenario.network("peru")
    names = {r.name for r in peru.radars}
    for site in ("lima", "talara", "iquitos", "pucallpa"):
        assert f"corpac_{site}__THALES_STAR2000" in names
        assert f"corpac_{site}__THALES_RSM970S" in names
    for hill in ("cajamarca_colpayoj", "ayacucho_toccto", "cusco_acopia_grande", "arequipa_rayado"):
        assert f"corpac_{hill}__THALES_RSM970S" in names
        assert not any(n.startswith(f"corpac_{hill}__THALES_STAR") for n in names)
    mil = {r.name for r in peru.military}
    assert mil == {"fap_tps70_puerto_maldonado__AN_TPS_70", "fap_tps70_pucallpa__AN_TPS_70"}
    public = {r.name for r in scenario.network("peru-public-record").radars}
    assert "corpac_lima__LIMA_PSR_NG" in public and "corpac_talara__CORPAC_MSSR" in public
    assert not any("THALES" in n for n in public)
    assert "corpac_psr_whatif_puerto_maldonado__THALES_STAR2000" in {r.name for r in scenario.network("peru-pm-civil-psr").radars}
    assert "fap_new3d_vraem_whatif__AN_TPS_70" in {r.name for r in scenario.network("peru-vraem-3d").radars}


def test_tps70_swerling_reference_points(scenario):
    t = scenario.radar_types["AN_TPS_70"]
    assert 10 * np.log10(t.snr_ref) == pytest.approx(17.8, abs=0.05)
    assert t.range_for_pd(0.5) / 1e3 == pytest.approx(308, abs=1)
    assert t.range_for_pd(0.9) / 1e3 == pytest.approx(190, abs=1)
    assert float(t.pd(t.range_for_pd(0.5))) == pytest.approx(0.5, abs=1e-12)


def test_user_scenario_extends_and_custom_network(tmp_path):
    p = tmp_path / "what_if.toml"
    p.write_text('extends = "peru"\n[networks.pm_only]\nbase = "peru"\n'
                 'disable = ["fap_tps70_pucallpa", "corpac_lima", "corpac_talara", "corpac_iquitos", "corpac_pucallpa",'
                 ' "corpac_cajamarca_colpayoj", "corpac_ayacucho_toccto", "corpac_cusco_acopia_grande", "corpac_arequipa_rayado"]\n')
    scn = load_scenario(str(p))
    assert [r.name for r in scn.network("pm_only").radars] == ["fap_tps70_puerto_maldonado__AN_TPS_70"]


def _scenario_with(tmp_path, text):
    p = tmp_path / "bad.toml"
    p.write_text('extends = "peru"\n' + text)
    return p


BAD_SCENARIOS = [
    ("malformed", "[radar\n", "malformed TOML"),
    ("unknown type", '[[radar.types]]\nid="X"\nkind="PSR_9D"\nscan_period_s=1\ninstrumented_range_km=1\nsigma_range_m=1\nsigma_azimuth_deg=1\n',
     "must be one of PSR_3D"),
    ("negative mast", '[radar]\nsites = [{ id = "s", type = "AN_TPS_70", owner = "FAP", lat = -12.6, lon = -69.2, antenna_agl_m = -12 }]\n',
     "antenna_agl_m = -12"),
    ("unknown site type", '[radar]\nsites = [{ id = "s", type = "NOPE", owner = "FAP", lat = -12.6, lon = -69.2, antenna_agl_m = 10 }]\n',
     "unknown radar type"),
    ("empty sites", "[radar]\nsites = []\n", "at least one radar site"),
]


@pytest.mark.parametrize("name,text,message", BAD_SCENARIOS, ids=[b[0] for b in BAD_SCENARIOS])
def test_bad_scenarios_give_one_line_and_exit_2(cli, tmp_path, name, text, message):
    p = _scenario_with(tmp_path, text) if name != "malformed" else tmp_path / "m.toml"
    if name == "malformed":
        p.write_text(text)
    code, out, err = cli("scenario", "validate", p)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("airbridge: error: ") and message in lines[0]
    assert str(p) in lines[0]


def test_bad_cli_inputs(cli, tmp_path):
    cases = [
        (("scenario", "show", tmp_path / "nope.toml"), "file not found"),
        (("scenario", "show", "atlantis"), "unknown scenario"),
        (("coverage", "--network", "atlantis", "--out", tmp_path / "o1"), "network 'atlantis' is unknown"),
        (("coverage", "--agl", "150,abc", "--out", tmp_path / "o2"), "--agl"),
        (("coverage", "--agl", "-5", "--out", tmp_path / "o3"), "--agl"),
        (("coverage", "--dem", tmp_path / "missing.npz", "--out", tmp_path / "o4"), "DEM file not found"),
        (("terrain", "info", tmp_path / "missing.npz"), "DEM file not found"),
        (("terrain", "import", tmp_path / "x.hgt", "--out", tmp_path / "d.npz"), "file not found"),
    ]
    for args, message in cases:
        code, out, err = cli(*args)
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1 and message in err, (args, err)
    for o in ("o1", "o2", "o3", "o4"):
        assert not (tmp_path / o).exists()  # nothing half-written


def test_sites_outside_a_regional_dem_are_left_out_with_a_warning(cli, tmp_path):
    # a small DEM around Lima does not cover Puerto Maldonado: the Lima radars are studied, the others named
    from radar.terrain import load_dem

    load_dem().crop(-14, -10, -79, -75).save(tmp_path / "lima.npz")
    code, out, err = cli("coverage", "--dem", tmp_path / "lima.npz", "--out", tmp_path / "o", "--no-maps")
    assert code == 0, err
    warning = next(line for line in out.splitlines() if "outside the DEM" in line)
    assert warning.startswith("warning: 12 of 14 radars") and "fap_tps70_puerto_maldonado__AN_TPS_70" in warning
    assert "corpac_lima" not in warning
    assert "network peru (0 military, 2 civil radars)" in out
    rows = (tmp_path / "o" / "coverage.csv").read_text().splitlines()[1:]
    assert rows and all(float(r.split(",")[5]) > 0 for r in rows if ",integrated," in r)  # Lima's radars cover
    # a DEM on which no radar stands is one line, exit 2, nothing written
    load_dem().crop(-21, -19, -81, -79).save(tmp_path / "sea.npz")
    code, out, err = cli("coverage", "--dem", tmp_path / "sea.npz", "--out", tmp_path / "o2", "--no-maps")
    assert code == 2 and "no radar of network peru lies on this DEM" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o2").exists()


def test_validate_warns_on_site_ground_mismatch(cli):
    code, out, err = cli("scenario", "validate", "peru")
    assert code == 0
    assert "warning: site corpac_cajamarca_colpayoj" in out  # 3700 m stated vs ~3050 m in ETOPO5
    assert "valid" in out


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    r = run_cli_subprocess("coverage", "--network", "atlantis", "--out", tmp_path / "o")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    r = run_cli_subprocess("--debug", "coverage", "--network", "atlantis", "--out", tmp_path / "o")
    assert "Traceback" in r.stderr


def test_help_is_fast_and_imports_no_numba():
    import subprocess
    import sys

    code = ("import time, sys; t=time.perf_counter(); from scenarios.cli import build_parser; build_parser(); "
            "print(time.perf_counter()-t, 'numba' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1] == "False" and out[2] == "False"
    t = time.perf_counter()
    r = run_cli_subprocess("--help")
    assert r.returncode == 0 and "coverage" in r.stdout
    assert time.perf_counter() - t < 5.0  # generous wall bound on a loaded 2-core machine; budget 0.5 s measured in README


def test_coverage_outputs(cli, tmp_path):
    out = tmp_path / "cov"
    code, stdout, err = cli("coverage", "--agl", "300", "--target", "both", "--out", out)
    assert code == 0, err
    assert "coarse terrain (ETOPO5, ~9 km)" in stdout
    csv = (out / "coverage.csv").read_text().splitlines()
    assert csv[0].startswith("network,picture,target,level_kind,level_m,covered_km2")
    assert len(csv) == 1 + 3 * 2
    rows = [line.split(",") for line in csv[1:]]
    by = {(r[1], r[2]): r for r in rows}
    for target in ("noncooperative", "cooperative"):
        mil, ni, integ = (float(by[(p, target)][5]) for p in ("military", "non_integrated", "integrated"))
        assert 0 < mil <= ni <= integ  # fusing civil radars can only add cover
        assert float(by[("military", target)][8]) < mil  # availability weighting lowers it
    assert all(r[-1] == "coarse terrain (ETOPO5" or "ETOPO5" in ",".join(r) for r in rows)
    g = np.load(out / "grids.npz")
    for key in ("lat", "lon", "terrain_m", "frame_origin_lat_lon_h",
                "min_visible_msl__fap_tps70_puerto_maldonado__AN_TPS_70",
                "max_visible_msl__fap_tps70_puerto_maldonado__AN_TPS_70",
                "range_limit_m__fap_tps70_puerto_maldonado__AN_TPS_70"):
        assert key in g.files
    assert g["frame_origin_lat_lon_h"].tolist() == [-9.2, -75.0, 0.0]
    assert (out / "map_integrated_noncooperative_agl300m.png").stat().st_size > 10_000
    assert not list(tmp_path.glob(".cov.partial-*"))
