"""Tests for motivic.train.models: registry contract, every architecture, loaders, docs."""

from __future__ import annotations

import importlib
import inspect
import itertools
import math
import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.train.models import (
    _REGISTRY,
    available,
    build,
    check_trainable,
    count_parameters,
    options,
)
from motivic.train.models.blocks import init_replicate, pooled_size, resize_kernel, split_pool
from motivic.train.models.convnet import layer_features
from motivic.train.models.crnn import PRESETS
from motivic.train.models.masking import check_lengths, masked_batch_norm, out_lengths

DOCS = Path(__file__).resolve().parents[2] / "docs" / "models.md"

# Narrow but structurally complete variants, so every test runs in well under a second.
TINY: dict[str, dict] = {
    "reslstm": {"n_mels": 32, "channels": 4, "hidden_size": 8},
    "crnn": {"n_mels": 32, "channels": 6, "hidden_size": 8},
    "resnet50": {"n_mels": 32, "width": 4, "layers": (1, 1, 1, 1)},
    "densenet161": {
        "n_mels": 32,
        "growth_rate": 4,
        "block_config": (1, 1, 1, 1),
        "num_init_features": 8,
    },
    "pons_blackbox": {"n_mels": 20, "n_filters": 4, "dense_units": 8},
    "pons_time": {"n_mels": 20, "n_filters": 4},
    "pons_frequency": {"n_mels": 36, "n_filters": 4},
    "pons_timefreq": {"n_mels": 36, "n_filters": 4, "dense_units": 8},
    "compact_convnet": {"n_mels": 32, "channels": 6},
    "compact_convnet_k2c1": {"n_mels": 32, "channels": 6},
    "compact_convnet_k1c2": {"n_mels": 32, "channels": 6},
}
TINY["resnet50_imagenet"] = TINY["resnet50"]
TINY["densenet161_imagenet"] = TINY["densenet161"]
N_FRAMES = (64, 97)  # >= 60 for the Pons Time filters


def _tiny(name: str, *, seed: int = 0, **extra) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build(name, 3, **{**TINY[name], **extra})


def _batch(name: str, n_frames: int, *, batch: int = 4, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 1, TINY[name]["n_mels"], n_frames, generator=gen)


def test_tiny_table_covers_registry():
    assert sorted(TINY) == available()


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("name", sorted(TINY))
def test_forward_gives_logits_for_two_lengths(name):
    model = _tiny(name)
    for n_frames in N_FRAMES:
        out = model(_batch(name, n_frames, batch=3))
        assert out.shape == (3, 3)
        assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", sorted(TINY))
def test_adam_steps_lower_loss(name):
    model = _tiny(name, dropout=0.0)
    x = _batch(name, N_FRAMES[0], batch=6)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    with torch.no_grad():
        before = loss_fn(model(x), y).item()
    for _ in range(5):
        optimiser.zero_grad()
        loss_fn(model(x), y).backward()
        optimiser.step()
    with torch.no_grad():
        after = loss_fn(model(x), y).item()
    assert after < before


@pytest.mark.parametrize("name", sorted(TINY))
def test_state_dict_round_trip_reproduces_outputs(name, tmp_path):
    model = _tiny(name, seed=0)
    model.train()
    model(_batch(name, N_FRAMES[1], seed=1))  # move batch-norm running statistics
    model.eval()
    x = _batch(name, N_FRAMES[1], seed=2)
    with torch.no_grad():
        expected = model(x)
    torch.save(model.state_dict(), tmp_path / "model.pt")

    other = _tiny(name, seed=1).eval()
    with torch.no_grad():
        assert not torch.allclose(other(x), expected)
        other.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
        assert torch.equal(other(x), expected)


def test_build_logs_parameter_count(caplog):
    with caplog.at_level("INFO", logger="motivic.train.models"):
        model = _tiny("crnn")
    assert f"({count_parameters(model)} parameters)" in caplog.text


@pytest.mark.parametrize(
    ("name", "opts", "match"),
    [
        ("resnet", {}, r"unknown model 'resnet'.*resnet50"),
        ("crnn", {"hiden_size": 8}, r"hiden_size.*valid options"),
        ("pons_time", {"channels": 8}, r"'channels'.*pons_time"),
        ("crnn", {"hidden_size": 0}, r"hidden_size=0"),
        ("crnn", {"channels": (8, 8)}, r"channels=.*4 entries"),
        ("reslstm", {"summary": "max"}, r"summary='max'"),
        ("reslstm", {"dropout": 1.0}, r"dropout=1.0"),
        ("resnet50", {"stem": "vgg"}, r"stem='vgg'"),
        ("resnet50", {"n_mels": 8}, r"n_mels=8"),
        ("pons_frequency", {"n_mels": 20}, r"n_mels=20.*>= 32"),
        ("pons_timefreq", {"init_from": "time.pt"}, r"init_from="),
    ],
)
def test_build_rejects_bad_names_and_options(name, opts, match):
    with pytest.raises(MotivicError, match=match):
        build(name, 3, **opts)


@pytest.mark.parametrize("n_classes", [0, -1, 2.0, True])
def test_build_rejects_bad_n_classes(n_classes):
    with pytest.raises(MotivicError, match="n_classes"):
        build("crnn", n_classes)


def test_options_lists_common_options_for_every_model():
    for name in available():
        opts = options(name)
        assert {"n_mels", "in_channels", "dropout"} <= set(opts), name
        assert opts["n_mels"] == (40 if name.startswith("pons_") else 128)
        assert opts["in_channels"] == 1


def test_options_read_from_source_match_each_builders_signature():
    """The registry reads options from the builders' source (no torch); so does Python's inspect."""
    for name in available():
        module = importlib.import_module(f"motivic.train.models.{_REGISTRY[name]}")
        signature = inspect.signature(getattr(module, name))
        keyword_only = {
            p.name: p.default
            for p in signature.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        assert options(name) == keyword_only, name


@pytest.mark.parametrize(
    ("name", "shape", "match"),
    [
        ("crnn", (2, 1, 31, 64), "n_mels=32"),
        ("crnn", (2, 2, 32, 64), "in_channels=1"),
        ("crnn", (2, 32, 64), "expected"),
        ("pons_time", (2, 1, 20, 59), "n_frames >= 60"),
        ("resnet50", (2, 1, 32, 15), "n_frames >= 16"),
    ],
)
def test_forward_rejects_bad_input_shapes(name, shape, match):
    with pytest.raises(MotivicError, match=match):
        _tiny(name)(torch.zeros(shape))


def test_in_channels_option_changes_expected_input():
    for name in available():
        model = _tiny(name, in_channels=2)
        assert model(torch.randn(2, 2, TINY[name]["n_mels"], N_FRAMES[0])).shape == (2, 3)


# --------------------------------------------------------------------------- pooling arithmetic


@pytest.mark.parametrize(
    ("total", "n_layers", "expected"),
    [
        (128, 4, (2, 4, 4, 4)),
        (96, 4, (2, 3, 4, 4)),
        (96, 5, (2, 2, 2, 3, 4)),
        (128, 5, (2, 2, 2, 4, 4)),
        (16, 2, (4, 4)),
        (8, 2, (2, 4)),
        (41, 4, (2, 3, 3, 3)),
        (7, 1, (7,)),
        (1, 3, (1, 1, 1)),
    ],
)
def test_split_pool_examples(total, n_layers, expected):
    assert split_pool(total, n_layers) == expected


def _split_pool_reference(total: int, n_layers: int) -> tuple[int, ...]:
    """Brute force: all ordered tuples up to ``total``, same ranking as split_pool."""
    tuples = (
        tuple(sorted(t))
        for t in itertools.product(range(1, total + 1), repeat=n_layers)
        if math.prod(t) >= total
    )
    return min(
        tuples,
        key=lambda t: (max(t) + (math.prod(t) != total), math.prod(t), sum(p * p for p in t), t),
    )


@settings(max_examples=40, deadline=None)
@given(total=st.integers(1, 40), n_layers=st.integers(1, 3))
def test_split_pool_matches_brute_force_and_collapses(total, n_layers):
    pools = split_pool(total, n_layers)
    assert pools == _split_pool_reference(total, n_layers)
    assert pooled_size(total, pools) == 1
    assert list(pools) == sorted(pools)


# --------------------------------------------------------------------------- ResNet / DenseNet


def test_standard_stem_parameter_counts_match_torchvision():
    resnet = build("resnet50", 1000, in_channels=3, stem="imagenet")
    assert count_parameters(resnet) == 25_557_032
    densenet = build("densenet161", 1000, in_channels=3, stem="imagenet")
    assert count_parameters(densenet) == 28_681_000


def test_full_size_models_use_paper_stem_and_torchvision_names():
    resnet = build("resnet50", 4, n_mels=32)
    assert resnet.input_conv.in_channels == 1 and resnet.input_conv.out_channels == 3
    assert resnet.conv1.kernel_size == (3, 3) and resnet.conv1.stride == (1, 1)
    keys = set(resnet.state_dict())
    assert {
        "conv1.weight",
        "bn1.running_var",
        "layer1.0.downsample.0.weight",
        "layer4.2.bn3.weight",
        "fc.weight",
    } <= keys
    assert len(resnet.layer3) == 6

    densenet = build("densenet161", 4, n_mels=32)
    conv0 = densenet.features.conv0
    assert conv0.kernel_size == (3, 3) and conv0.stride == (1, 1) and conv0.in_channels == 3
    keys = set(densenet.state_dict())
    assert {
        "features.norm0.weight",
        "features.denseblock1.denselayer1.norm1.weight",
        "features.denseblock3.denselayer36.conv2.weight",
        "features.transition3.conv.weight",
        "features.norm5.running_mean",
        "classifier.weight",
    } <= keys
    assert densenet.classifier.in_features == 2208

    resnet.eval()
    densenet.eval()
    with torch.no_grad():
        for model in (resnet, densenet):
            assert model(torch.randn(1, 1, 32, 40)).shape == (1, 4)


def _reference_state(name: str, path: Path, **extra) -> dict[str, torch.Tensor]:
    """Save the state dict of a standard-stem 3-channel, 10-class model, as torchvision's."""
    reference = _tiny(name, seed=5, in_channels=3, stem="imagenet", **extra)
    reference.train()
    reference(torch.randn(2, 3, 32, 64))  # non-default running statistics
    state = reference.state_dict()
    torch.save(state, path)
    return state


@pytest.mark.parametrize(
    ("name", "stem_key", "head_key", "inner_key"),
    [
        ("resnet50", "conv1.weight", "fc.weight", "layer2.0.conv2.weight"),
        (
            "densenet161",
            "features.conv0.weight",
            "classifier.weight",
            "features.denseblock2.denselayer1.conv1.weight",
        ),
    ],
)
def test_pretrained_copies_body_adapts_stem_and_skips_head(
    name, stem_key, head_key, inner_key, tmp_path, caplog
):
    path = tmp_path / "imagenet.pth"
    state = _reference_state(name, path)
    fresh = _tiny(name, seed=6).state_dict()
    with caplog.at_level("INFO", logger="motivic.train.models"):
        loaded = _tiny(name, seed=6, pretrained=str(path)).state_dict()
    assert str(path) in caplog.text and stem_key in caplog.text
    for key, value in state.items():
        if key in (stem_key, head_key) or key.startswith(head_key.split(".")[0] + "."):
            continue
        assert torch.equal(loaded[key], value), key
    assert not torch.equal(loaded[inner_key], fresh[inner_key])
    assert loaded[stem_key].shape[-1] == 3  # paper stem, initialised from the 7x7 kernel
    assert torch.allclose(loaded[stem_key], resize_kernel(state[stem_key], fresh[stem_key].shape))
    assert not torch.equal(loaded[stem_key], fresh[stem_key])
    assert loaded[head_key].shape[0] == 3 and torch.equal(loaded[head_key], fresh[head_key])


def test_pretrained_densenet_accepts_legacy_key_names(tmp_path):
    path = tmp_path / "legacy.pth"
    state = _reference_state("densenet161", path)
    # files written before torchvision 0.4: "norm.1" for "norm1", no num_batches_tracked
    legacy = {
        re.sub(r"(denselayer\d+\.(?:norm|conv))([12])\.", r"\1.\2.", k): v
        for k, v in state.items()
        if not k.endswith("num_batches_tracked")
    }
    assert "features.denseblock1.denselayer1.norm.1.weight" in legacy
    torch.save(legacy, path)
    loaded = _tiny("densenet161", pretrained=path).state_dict()
    key = "features.denseblock1.denselayer1.norm1.weight"
    assert torch.equal(loaded[key], state[key])


def test_pretrained_same_stem_loads_stem_too(tmp_path):
    path = tmp_path / "imagenet.pth"
    state = _reference_state("resnet50", path)
    loaded = _tiny("resnet50", in_channels=3, stem="imagenet", pretrained=path).state_dict()
    assert torch.equal(loaded["conv1.weight"], state["conv1.weight"])


def test_pretrained_rejects_files_that_do_not_fit(tmp_path):
    path = tmp_path / "wide.pth"
    _reference_state("resnet50", path, width=8)
    with pytest.raises(MotivicError, match=r"wide\.pth.*shape mismatches"):
        _tiny("resnet50", pretrained=path)

    state = _tiny("resnet50", in_channels=3, stem="imagenet").state_dict()
    state["layer5.0.conv1.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "extra.pth")
    with pytest.raises(MotivicError, match=r"extra\.pth.*unexpected keys \['layer5"):
        _tiny("resnet50", pretrained=tmp_path / "extra.pth")

    del state["layer5.0.conv1.weight"], state["layer1.0.bn1.weight"]
    torch.save(state, tmp_path / "missing.pth")
    with pytest.raises(MotivicError, match=r"missing\.pth.*missing keys \['layer1.0.bn1.weight"):
        _tiny("resnet50", pretrained=tmp_path / "missing.pth")

    with pytest.raises(MotivicError, match="nowhere.pth"):
        _tiny("densenet161", pretrained=tmp_path / "nowhere.pth")

    torch.save([1, 2], tmp_path / "list.pth")
    with pytest.raises(MotivicError, match=r"list\.pth.*mapping"):
        _tiny("resnet50", pretrained=tmp_path / "list.pth")


# --------------------------------------------------------------------------- recurrent models


def test_crnn_collapses_frequency_and_reads_pooled_time():
    model = build("crnn", 4)
    assert model.freq_pools == (2, 4, 4, 4)
    seen = []
    model.gru.register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape) and None)
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 1, 128, 426))
    assert seen == [(1, 27, 32)]  # ceil(426 / 2**4) steps of 32 channels


def test_reslstm_derives_lstm_size_and_summaries():
    model = build("reslstm", 4)
    assert model.freq_pools == (4, 4)
    assert model.lstm_input_size == 16 * 8
    assert build("reslstm", 4, freq_pool=8, channels=4).lstm_input_size == 4 * 16

    mean_model = _tiny("reslstm", summary="mean").eval()
    last_model = _tiny("reslstm", summary="last").eval()
    last_model.load_state_dict(mean_model.state_dict())
    x = _batch("reslstm", 64)
    with torch.no_grad():
        frames = mean_model.blocks(x).flatten(1, 2).transpose(1, 2)  # [batch, T', C * F']
        assert frames.shape == (4, 16, 4 * 2)  # 64 frames / 2 / 2; 32 bands / 16
        outputs, _ = mean_model.lstm.lstm(frames)
        hidden = outputs.shape[-1] // 2
        # "last": forward state after the last frame, backward state after the first
        last = torch.cat([outputs[:, -1, :hidden], outputs[:, 0, hidden:]], 1)
        assert torch.allclose(last_model(x), last_model.classifier(last), atol=1e-6)
        assert torch.allclose(mean_model(x), mean_model.classifier(outputs.mean(1)), atol=1e-6)
        assert not torch.allclose(last_model(x), mean_model(x))


# --------------------------------------------------------------------------- Pons


def test_pons_paper_input_gives_paper_feature_sizes():
    for name, features in [
        ("pons_blackbox", 32 * 7 * 73),
        ("pons_time", 32 * 21),
        ("pons_frequency", 32 * 9),
        ("pons_timefreq", 32 * 30),
    ]:
        model = build(name, 8)
        first_dense = next(m for m in model.head if isinstance(m, torch.nn.Linear))
        assert first_dense.in_features == features, name
        assert model(torch.randn(2, 1, 40, 80)).shape == (2, 8)


def test_pons_timefreq_init_from_copies_branch_filters(tmp_path):
    time_model = _tiny("pons_time", seed=1)
    frequency_model = build("pons_frequency", 3, n_mels=36, n_filters=4)
    torch.save(time_model.state_dict(), tmp_path / "time.pt")
    torch.save(
        {"model": "pons_frequency", "state_dict": frequency_model.state_dict()},
        tmp_path / "frequency.pt",
    )
    torch.manual_seed(9)
    model = build(
        "pons_timefreq",
        3,
        **TINY["pons_timefreq"],
        init_from=(tmp_path / "time.pt", str(tmp_path / "frequency.pt")),
    )
    assert torch.equal(model.time_branch.conv.weight, time_model.branch.conv.weight)
    assert torch.equal(model.time_branch.conv.bias, time_model.branch.conv.bias)
    assert torch.equal(model.frequency_branch.conv.weight, frequency_model.branch.conv.weight)

    torch.save(_tiny("pons_blackbox").state_dict(), tmp_path / "blackbox.pt")
    with pytest.raises(MotivicError, match=r"blackbox\.pt.*branch\.conv\.weight"):
        build(
            "pons_timefreq",
            3,
            **TINY["pons_timefreq"],
            init_from=(tmp_path / "blackbox.pt", tmp_path / "frequency.pt"),
        )


# --------------------------------------------------------------------------- Choi convnet


def test_compact_convnet_shape_and_layer_features_match_hooks():
    model = build("compact_convnet", 4)
    assert len(model.convs) == 5
    assert all(
        block.conv.kernel_size == (3, 3) and block.conv.out_channels == 32 for block in model.convs
    )

    model = _tiny("compact_convnet").eval()
    captured = []
    for block in model.convs:
        block.act.register_forward_hook(
            lambda m, inp, out: captured.append(out.mean((2, 3))) and None
        )
    x = _batch("compact_convnet", 64)
    with torch.no_grad():
        model(x)
        features = layer_features(model, x)
    assert len(features) == 5 and all(f.shape == (4, 6) for f in features)
    for got, expected in zip(features, captured[:5]):
        assert torch.allclose(got, expected)
    with pytest.raises(MotivicError, match="compact_convnet"):
        layer_features(_tiny("crnn"), _batch("crnn", 64))


def test_k2c1_follows_the_thesis_layout():
    model = build("compact_convnet_k2c1", 4, n_mels=96)
    assert len(model.convs) == 5
    assert model.convs[0].conv.kernel_size == (96, 4)  # full frequency
    assert all(block.conv.kernel_size == (1, 4) for block in model.convs[1:])
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 2 and linears[0].in_features == 32  # one band left
    assert model(torch.randn(2, 1, 96, 300)).shape == (2, 4)


def test_k1c2_follows_the_thesis_layout():
    model = build("compact_convnet_k1c2", 4, n_mels=96)
    assert len(model.convs) == 4
    assert all(block.conv.kernel_size == (1, 4) for block in model.convs)
    pools = [block.pool.kernel_size for block in model.convs]
    assert pools == [(1, 4), (1, 5), (1, 8), (1, 8)]  # time only
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 2 and linears[0].in_features == 32 * 96  # every band kept
    seen = []
    model.convs[3].pool.register_forward_hook(lambda m, i, out: seen.append(out.shape) and None)
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 1, 96, 1366))  # the paper's 29 s input
    assert seen == [(1, 32, 96, 2)]  # 1366 frames / 1280 -> ceil-pooled to 2


# --------------------------------------------------------------------------- docs


def test_docs_parameter_table_matches_models():
    rows = re.findall(r"^\| `(\w+)` \| ([\d,]+) \|", DOCS.read_text(), flags=re.MULTILINE)
    documented = {name: int(count.replace(",", "")) for name, count in rows}
    assert sorted(documented) == available()
    for name, count in documented.items():
        assert count_parameters(build(name, 4)) == count, name


# --------------------------------------------------------------------------- valid lengths

SILENCE = math.log(1e-6)  # the log-mel floor: padding of stores and batches


@pytest.mark.parametrize("name", sorted(TINY))
def test_output_ignores_padding_after_the_valid_frames(name):
    """Eval mode: a segment alone == the same segment followed by 200 padded frames in a batch."""
    model = _tiny(name)
    model.train()
    n_mels = TINY[name]["n_mels"]
    with torch.no_grad():
        model(_batch(name, 97), torch.tensor([97, 80, 64, 70]))  # non-trivial running stats
    model.eval()
    valid = 71
    segment = _batch(name, valid, batch=1, seed=3)
    other = _batch(name, valid + 200, batch=1, seed=4)
    padded = torch.cat([segment, torch.full((1, 1, n_mels, 200), SILENCE)], dim=-1)
    batch = torch.cat([padded, other])
    with torch.no_grad():
        alone = model(segment)
        in_batch = model(batch, torch.tensor([valid, valid + 200]))
        unmasked = model(batch)
    assert torch.allclose(in_batch[0], alone[0], atol=1e-5), (in_batch[0], alone[0])
    assert torch.allclose(in_batch[1], model(other)[0], atol=1e-5)
    assert not torch.allclose(unmasked[0], alone[0], atol=1e-3)  # padding does matter unmasked


@pytest.mark.parametrize("name", ["crnn", "reslstm"])
def test_recurrent_models_read_the_state_at_the_last_valid_step(name):
    model = _tiny(name).eval()
    rnn = model.gru if name == "crnn" else model.lstm.lstm
    seen = []
    rnn.register_forward_hook(lambda m, inp, out: seen.append(out[1]) and None)
    x = _batch(name, 40, batch=1)
    padded = torch.cat([x, torch.zeros(1, 1, TINY[name]["n_mels"], 60)], dim=-1)
    with torch.no_grad():
        model(x)
        model(padded, torch.tensor([40]))
    alone, packed = seen
    if name == "reslstm":
        alone, packed = alone[0], packed[0]  # (h_n, c_n) -> h_n
    assert torch.allclose(alone, packed, atol=1e-6)


def test_masked_batch_norm_statistics_use_valid_frames_only():
    bn = torch.nn.BatchNorm2d(3)
    reference = torch.nn.BatchNorm2d(3)
    x = torch.randn(2, 3, 4, 10)
    lengths = torch.tensor([10, 6])
    x[1, ..., 6:] = 100.0  # padding that must not enter the statistics
    out = masked_batch_norm(bn, x, lengths)
    valid = torch.cat([x[0].reshape(3, -1), x[1, ..., :6].reshape(3, -1)], dim=1)  # [C, n]
    reference.train()
    ref_out = reference(valid.T.reshape(-1, 3, 1, 1))  # every valid value as its own item
    assert torch.allclose(bn.running_mean, reference.running_mean, atol=1e-6)
    assert torch.allclose(bn.running_var, reference.running_var, atol=1e-5)
    assert torch.allclose(out[0].reshape(3, -1), ref_out.reshape(-1, 3).T[:, :40], atol=1e-5)
    assert int(bn.num_batches_tracked) == 1


def reference_masked_batch_norm(bn, x, lengths):
    """Masked batch-norm written plainly: mask the full input, then the textbook formulas."""
    dims = [0, *range(2, x.dim())]
    mask = (torch.arange(x.shape[-1]) < lengths[:, None]).reshape(
        x.shape[0], *([1] * (x.dim() - 2)), -1
    )
    count = mask.sum() * math.prod(x.shape[2:-1])
    mean = torch.where(mask, x, 0.0).sum(dims) / count
    centred = x - mean.reshape(1, -1, *([1] * (x.dim() - 2)))
    var = torch.where(mask, centred * centred, 0.0).sum(dims) / count
    with torch.no_grad():
        bn.num_batches_tracked += 1
        unbiased = var * count / (count - 1).clamp(min=1)
        bn.running_mean.mul_(1 - bn.momentum).add_(bn.momentum * mean)
        bn.running_var.mul_(1 - bn.momentum).add_(bn.momentum * unbiased)
    shape = (1, -1, *([1] * (x.dim() - 2)))
    return centred * torch.rsqrt(var + bn.eps).reshape(shape) * bn.weight.reshape(
        shape
    ) + bn.bias.reshape(shape)


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 5),
    channels=st.integers(1, 4),
    inner=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    n_frames=st.integers(1, 12),
    data=st.data(),
)
def test_masked_batch_norm_agrees_with_the_plain_reference(batch, channels, inner, n_frames, data):
    """Outputs, input and parameter gradients and running statistics, on 3-D to 5-D inputs."""
    lengths = torch.tensor(
        data.draw(st.lists(st.integers(1, n_frames), min_size=batch, max_size=batch))
    )
    seed = data.draw(st.integers(0, 2**16))
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, channels, *inner, n_frames, generator=generator) * 3 + 1
    upstream = torch.randn(x.shape, generator=generator)
    norm = {1: torch.nn.BatchNorm1d, 2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm2d}
    layers = [norm.get(x.dim() - 1, torch.nn.BatchNorm3d)(channels) for _ in range(2)]
    with torch.no_grad():
        layers[0].weight.uniform_(0.5, 2.0, generator=generator)
        layers[0].bias.uniform_(-1.0, 1.0, generator=generator)
    layers[1].load_state_dict(layers[0].state_dict())
    results = []
    for fn, bn in zip((masked_batch_norm, reference_masked_batch_norm), layers):
        bn.train()
        xi = x.clone().requires_grad_(True)
        out = fn(bn, xi, lengths)
        (out * upstream).sum().backward()
        results.append(
            (out, xi.grad, bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var)
        )
    for got, want in zip(*results):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
    assert int(layers[0].num_batches_tracked) == int(layers[1].num_batches_tracked) == 1


_LAYERS = [
    torch.nn.Conv2d(1, 1, (1, 3), padding=(0, 1)),
    torch.nn.Conv2d(1, 1, (1, 3), stride=(1, 2), padding=(0, 1)),
    torch.nn.Conv2d(1, 1, (1, 7), stride=(1, 2), padding=(0, 3)),
    torch.nn.Conv2d(1, 1, (1, 4), padding=(0, 2)),
    torch.nn.Conv2d(1, 1, (1, 1), stride=(1, 2)),
    torch.nn.MaxPool2d((1, 2), ceil_mode=True),
    torch.nn.MaxPool2d((1, 5), ceil_mode=True),
    torch.nn.MaxPool2d(3, stride=2, padding=1),
    torch.nn.AvgPool2d(2, stride=2),
]


@settings(max_examples=60, deadline=None)
@given(layer=st.sampled_from(range(len(_LAYERS))), n_valid=st.integers(3, 60))
def test_out_lengths_is_the_output_size_of_the_unpadded_input(layer, n_valid):
    """Reference: the layer's own output size on an input of exactly ``n_valid`` frames."""
    module = _LAYERS[layer]
    expected = module(torch.zeros(1, 1, 3, n_valid)).shape[-1]
    assert int(out_lengths(module, torch.tensor([n_valid]))[0]) == expected


def test_check_lengths_validates_and_clips():
    x = torch.zeros(2, 1, 4, 10)
    assert check_lengths(x, None) is None
    assert check_lengths(x, [0, 12]).tolist() == [1, 10]
    with pytest.raises(MotivicError, match="3 entries for a batch of 2"):
        check_lengths(x, [1, 2, 3])


# --------------------------------------------------------------------------- CRNN widths


def test_crnn_presets_have_the_published_parameter_budgets():
    """Choi et al. (2017) budgets on their 96-band, 50-tag input; counts pinned."""
    counts = {p: count_parameters(build("crnn", 50, n_mels=96, preset=p)) for p in PRESETS}
    assert counts == {
        "0.1M": 97_292,
        "0.25M": 246_242,
        "0.5M": 497_278,
        "1M": 1_000_454,
        "3M": 3_027_732,
        "released": 393_842,
    }
    smallest = build("crnn", 4, preset="0.1M")
    assert [b.conv.out_channels for b in smallest.convs] == [30, 60, 60, 60]
    assert smallest.gru.hidden_size == 30
    assert count_parameters(build("crnn", 4)) == 41_252  # demo width (config.yaml)
    with pytest.raises(MotivicError, match="preset='0.1M' sets the widths"):
        build("crnn", 4, preset="0.1M", channels=8)
    with pytest.raises(MotivicError, match="preset='2M'"):
        build("crnn", 4, preset="2M")


# --------------------------------------------------------------------------- ImageNet stems


def test_resize_kernel_crop_and_rescale():
    weight = torch.randn(4, 3, 7, 7)
    crop = resize_kernel(weight, torch.Size((4, 3, 3, 3)), mode="crop")
    assert torch.equal(crop, weight[:, :, 2:5, 2:5])
    flat = torch.ones(4, 3, 7, 7)
    rescaled = resize_kernel(flat, torch.Size((4, 3, 3, 3)))
    assert torch.allclose(rescaled.sum((2, 3)), flat.sum((2, 3)))  # response to a constant kept
    with pytest.raises(MotivicError, match="channel counts differ"):
        resize_kernel(weight, torch.Size((4, 1, 3, 3)))


def test_init_replicate_feeds_mono_input_to_three_channels():
    conv = torch.nn.Conv2d(1, 3, 3, padding=1)
    init_replicate(conv)
    x = torch.randn(2, 1, 8, 9)
    assert torch.allclose(conv(x), x.expand(2, 3, 8, 9))


@pytest.mark.parametrize(
    ("name", "stem_key"),
    [("resnet50_imagenet", "conv1.weight"), ("densenet161_imagenet", "features.conv0.weight")],
)
def test_imagenet_models_initialise_stem_and_input_conv(name, stem_key, tmp_path):
    path = tmp_path / "imagenet.pth"
    state = _reference_state(name.removesuffix("_imagenet"), path)
    model = _tiny(name, pretrained=str(path), stem_init="crop")
    loaded = model.state_dict()
    assert torch.equal(loaded[stem_key], state[stem_key][:, :, 2:5, 2:5])
    x = torch.randn(2, 1, 32, 20)
    assert torch.allclose(model.input_conv(x), x.expand(2, 3, 32, 20))
    assert "pretrained" not in _tiny(name).state_dict()  # rebuilding needs no file


def test_check_trainable_requires_the_weights_file(tmp_path):
    check_trainable("resnet50", {})
    with pytest.raises(MotivicError, match=r"models\.resnet50_imagenet\.pretrained must name"):
        check_trainable("resnet50_imagenet", {})
    with pytest.raises(MotivicError, match=r"nowhere\.pth.*does not exist"):
        check_trainable("densenet161_imagenet", {"pretrained": str(tmp_path / "nowhere.pth")})
    with pytest.raises(MotivicError, match=r"nowhere\.pth.*does not exist"):
        _tiny("resnet50_imagenet", pretrained=tmp_path / "nowhere.pth")


# --------------------------------------------------------------------------- Pons patches


def test_pons_patch_vote_is_the_mean_of_patch_probabilities():
    model = _tiny("pons_time", patch_frames=80).eval()
    whole = _tiny("pons_time").eval()
    whole.load_state_dict(model.state_dict())
    x = torch.randn(1, 1, 20, 200)
    with torch.no_grad():
        voted = model(x, torch.tensor([190]))
        patches = [x[..., 0:80], x[..., 80:160], x[..., 110:190]]  # last one ends at frame 190
        probs = torch.stack([torch.softmax(whole(p), 1)[0] for p in patches]).mean(0)
    assert torch.allclose(torch.softmax(voted, 1)[0], probs, atol=1e-6)
    assert torch.allclose(voted[0], probs.log(), atol=1e-5)
    with pytest.raises(MotivicError, match="patch_frames=10"):
        _tiny("pons_time", patch_frames=10)
