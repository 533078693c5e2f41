#!/usr/bin/env python3
"""Write a tiny random-weights llama-architecture GGUF (SPM byte-fallback vocab) with `gguf`.
usage: make_tiny_gguf.py OUT.gguf   -- ~1 MB, 2 layers, n_embd 64; output is gibberish by design."""

import sys

import gguf
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "tiny-random-llama.gguf"
rng = np.random.default_rng(0)
n_embd, n_head, n_head_kv, n_ff, n_layer, n_ctx = 64, 4, 4, 128, 2, 512

# vocab: <unk>, <s>, </s>, 256 byte tokens, then word pieces
tokens, scores, types = [], [], []


def add(t, s, ty):
    tokens.append(t.encode("utf-8"))
    scores.append(s)
    types.append(ty)


add("<unk>", 0.0, gguf.TokenType.UNKNOWN)
add("<s>", 0.0, gguf.TokenType.CONTROL)
add("</s>", 0.0, gguf.TokenType.CONTROL)
for b in range(256):
    add(f"<0x{b:02X}>", 0.0, gguf.TokenType.BYTE)
pieces = (
    ["\u2581"]
    + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [
        "\u2581" + w
        for w in ["hello", "the", "mock", "a", "is", "hi", "world", "model", "test", "ok"]
    ]
)
for i, p in enumerate(pieces):
    add(p, -float(i + 1), gguf.TokenType.NORMAL)
n_vocab = len(tokens)

w = gguf.GGUFWriter(out, "llama")
w.add_name("tiny-random-llama")
w.add_context_length(n_ctx)
w.add_embedding_length(n_embd)
w.add_block_count(n_layer)
w.add_feed_forward_length(n_ff)
w.add_head_count(n_head)
w.add_head_count_kv(n_head_kv)
w.add_rope_dimension_count(n_embd // n_head)
w.add_layer_norm_rms_eps(1e-5)
w.add_file_type(gguf.LlamaFileType.ALL_F32)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_add_bos_token(True)
w.add_add_eos_token(False)
w.add_chat_template(
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def t(name, *shape, scale=0.02):
    w.add_tensor(name, (rng.standard_normal(shape) * scale).astype(np.float32))


t("token_embd.weight", n_vocab, n_embd)
w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
t("output.weight", n_vocab, n_embd)
for i in range(n_layer):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
    t(f"blk.{i}.attn_q.weight", n_embd, n_embd)
    t(f"blk.{i}.attn_k.weight", n_embd * n_head_kv // n_head, n_embd)
    t(f"blk.{i}.attn_v.weight", n_embd * n_head_kv // n_head, n_embd)
    t(f"blk.{i}.attn_output.weight", n_embd, n_embd)
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
    t(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
    t(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
    t(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out, "vocab", n_vocab)
