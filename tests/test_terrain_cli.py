"""`airbridge terrain` and DEMs on the command line: invalid cells, oversized imports, the README's DEM example."""
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _write_tiles_from_embedded_dem(folder: Path, names):
    """3" SRTM tiles (1201 x 1201, big-endian int16, samples on both edges) sampled from the embedded DEM."""
    from radar.terrain import load_dem

    dem = load_dem()
    n = 1201
    for name in names:
        m = re.match(r"S(\d\d)W(\d\d\d)\.hgt$", name)
        lat_sw, lon_sw = -int(m.group(1)), -int(m.group(2))
        lat = lat_sw + 1 - np.arange(n) / (n - 1)
        lon = lon_sw + np.arange(n) / (n - 1)
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        np.round(dem.sample(la, lo)).astype(">i2").tofile(folder / name)


def _readme_dem_commands():
    text = README.read_text()
    block = text[text.index("For real studies, import SRTM instead:"):]
    block = block[block.index("```bash") + len("```bash"):]
    block = block[:block.index("```")]
    commands = [shlex.split(line, comments=True) for line in block.strip().splitlines()]
    assert [c[:2] for c in commands] == [["airbridge", "terrain"], ["airbridge", "coverage"]]
    return [c[1:] for c in commands]


def test_readme_dem_example_runs_as_written(cli, tmp_path, monkeypatch):
    """The README imports four SRTM tiles around Puerto Maldonado and runs coverage on them."""
    terrain_cmd, coverage_cmd = _readme_dem_commands()
    tiles = [a for a in terrain_cmd if a.endswith(".hgt")]
    assert len(tiles) == 4
    _write_tiles_from_embedded_dem(tmp_path, tiles)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*terrain_cmd)
    assert code == 0, err
    assert "grid      241 x 241 cells, step 30.00\"" in out
    assert "void" not in out and "outside every source" not in out  # edges from the tiles themselves
    code, out, err = cli(*coverage_cmd)
    assert code == 0, err
    warning = next(line for line in out.splitlines() if "outside the DEM" in line)
    assert warning.startswith("warning: 13 of 14 radars lie outside the DEM (lat -14..-12, lon -71..-69)")
    assert "fap_tps70_pucallpa__AN_TPS_70" in warning and "fap_tps70_puerto_maldonado" not in warning
    assert "network peru (1 military, 0 civil radars); imported DEM (30\")" in out
    out_dir = tmp_path / "airbridge-coverage"
    rows = [r.split(",") for r in (out_dir / "coverage.csv").read_text().splitlines()[1:]]
    assert len(rows) == 12
    # the Puerto Maldonado TPS-70 covers part of the DEM's Peru, more at higher levels
    km2 = {float(r[4]): float(r[5]) for r in rows if r[1] == "military"}
    assert 0 < km2[150] < km2[300] < km2[600] < km2[1500]
    assert len(list(out_dir.glob("map_*.png"))) == 12


@pytest.fixture
def nan_dem(tmp_path):
    """The embedded DEM with 30 NaN cells inland."""
    from radar.terrain import load_dem

    d = load_dem()
    z = d.elevation_m.astype(float)
    z[100:103, 100:110] = np.nan
    path = tmp_path / "dem_with_nan.npz"
    np.savez(path, lat=d.lat, lon=d.lon, elevation_m=z, provenance=np.array("test: ETOPO5 with a hole"))
    return path


def test_terrain_info_reports_nan_cells(cli, nan_dem):
    code, out, err = cli("terrain", "info", nan_dem)
    assert code == 0, err
    assert "INVALID   30 NaN or infinite cells of 70,225: coverage, simulate and tradeoff reject this DEM" in out
    assert "elevation -7440 .. 5486 m MSL" in out  # the valid cells still described


def test_dem_with_nan_cells_is_rejected_by_every_command(cli, nan_dem, tmp_path):
    expected = f"airbridge: error: {nan_dem}: elevation_m has 30 NaN or infinite cells of 70,225: expected an elevation"
    scenario = tmp_path / "holey.toml"
    scenario.write_text(f'extends = "peru"\n[terrain]\ndem = "{nan_dem}"\n')
    for args in (("coverage", "--dem", nan_dem, "--no-maps", "--out", tmp_path / "c"),
                 ("simulate", "--dem", nan_dem, "--days", "1", "--out", tmp_path / "s"),
                 ("coverage", "--scenario", scenario, "--no-maps", "--out", tmp_path / "c2"),
                 ("tradeoff", "--scenario", scenario, "--days", "1", "--networks", "peru", "--options",
                  "a29_forward", "--out", tmp_path / "t")):
        code, out, err = cli(*args)
        assert code == 2, (args, out, err)
        assert err.startswith(expected) and len(err.strip().splitlines()) == 1, (args, err)
        assert not Path(args[-1]).exists(), (args, sorted(str(p) for p in Path(args[-1]).rglob("*")))


def test_oversized_import_is_refused_with_the_size(cli, tmp_path):
    tile = tmp_path / "S13W070.hgt"
    np.zeros((1201, 1201), ">i2").tofile(tile)
    code, out, err = cli("terrain", "import", tile, "--step-arcsec", "0.001", "--out", tmp_path / "x.npz")
    assert code == 2
    assert "the output grid would be 3,600,001 x 3,600,001 cells (23.6 TiB as int16)" in err
    assert "use --step-arcsec 0.22 or coarser" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.npz").exists()


def test_import_with_negative_bbox_crops(cli, tmp_path):
    tile = tmp_path / "S13W070.hgt"
    _write_tiles_from_embedded_dem(tmp_path, [tile.name])
    code, out, err = cli("terrain", "import", tile, "--bbox", "-12.8,-12.2,-69.8,-69.2", "--step-arcsec", "30",
                         "--out", tmp_path / "crop.npz")
    assert code == 0, err
    assert "grid      73 x 73 cells" in out
    assert "extent    lat -12.8000 .. -12.2000, lon -69.8000 .. -69.2000" in out
    code, out, err = cli("terrain", "import", tile, "--bbox", "-10,-9,-69.8,-69.2", "--out", tmp_path / "none.npz")
    assert code == 2 and "leaves 0x" in err and not (tmp_path / "none.npz").exists()


@pytest.mark.parametrize("out", ["file/x.npz", "file/sub/x.npz", "dir.npz"])
def test_import_out_under_a_file_or_onto_a_directory(cli, tmp_path, out):
    tile = tmp_path / "S13W070.hgt"
    np.zeros((1201, 1201), ">i2").tofile(tile)
    (tmp_path / "file").write_text("not a directory")
    (tmp_path / "dir.npz").mkdir()
    before = sorted(tmp_path.rglob("*"))
    code, stdout, err = cli("terrain", "import", tile, "--out", tmp_path / out)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written
    assert code == 2 and err.startswith(f"airbridge terrain import: error: --out {tmp_path / out}: ")
    assert err.count("\n") == 1 and ("not a directory" in err or "is a directory" in err)
