"""Dive into Deep Learning, 9.6 "Concise Implementation of Recurrent Neural Networks", written for PyTorch and
run with `import smalltorch as torch`: a character-level language model (one-hot characters into nn.RNN,
nn.GRU or nn.LSTM, a linear layer onto the vocabulary) trained with truncated backpropagation through time on
a bundled public-domain text (the opening of the US Declaration of Independence), with gradient clipping,
perplexity per epoch and greedy text generation from a prefix.

    python examples/char_rnn.py                      # GRU, 300 epochs (about a minute)
    python examples/char_rnn.py --cell lstm --epochs 100 --plot ppl.png
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smalltorch as torch  # noqa: E402
from smalltorch import nn  # noqa: E402
from smalltorch.nn import functional as F  # noqa: E402
from d2l_common import save_plot  # noqa: E402

TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "declaration.txt")


class Vocab:
    def __init__(self, text):
        self.idx_to_token = sorted(set(text))
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """The book's sequential partitioning: consecutive minibatches continue each other's sequences, so the
    hidden state carries over (detached) from one to the next."""
    offset = torch.randint(0, num_steps, (1,)).item()
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens]).reshape(batch_size, -1)
    for i in range(0, Xs.shape[1] // num_steps * num_steps, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.linear = nn.Linear(rnn_layer.hidden_size, vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, batch_size):
        shape = (self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        if isinstance(self.rnn, nn.LSTM):
            return torch.zeros(shape), torch.zeros(shape)
        return torch.zeros(shape)


def predict(prefix, num_preds, net, vocab):
    state = net.begin_state(1)
    outputs = [vocab.token_to_idx[prefix[0]]]
    for ch in prefix[1:]:  # warm up the state on the prefix
        _, state = net(torch.tensor([outputs[-1]]).reshape(1, 1), state)
        outputs.append(vocab.token_to_idx[ch])
    for _ in range(num_preds):
        y, state = net(torch.tensor([outputs[-1]]).reshape(1, 1), state)
        outputs.append(int(y.argmax(dim=1).reshape(1).item()))
    return "".join(vocab.idx_to_token[i] for i in outputs)


def train(net, corpus, vocab, lr, num_epochs, batch_size, num_steps, plot=None):
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr)
    history = []
    for epoch in range(num_epochs):
        state, total, count, t0 = None, 0.0, 0, time.perf_counter()
        for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
            if state is None:
                state = net.begin_state(X.shape[0])
            else:  # truncated BPTT: keep the values, drop the history
                state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            y_hat, state = net(X, state)
            loss = loss_fn(y_hat, Y.T.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += loss.item() * Y.numel()
            count += Y.numel()
        ppl = math.exp(total / count)
        history.append((epoch + 1, ppl))
        if (epoch + 1) % max(1, num_epochs // 10) == 0 or epoch == num_epochs - 1:
            print(f"epoch {epoch + 1}: perplexity {ppl:.2f}, {count / (time.perf_counter() - t0):.0f} tokens/sec",
                  flush=True)
    save_plot(plot, history, ("perplexity",))
    return history


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="gru")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2.0)
    ap.add_argument("--plot", help="save the perplexity plot here (needs matplotlib)")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    with open(TEXT, encoding="utf-8") as f:
        text = " ".join(f.read().lower().split())
    vocab = Vocab(text)
    corpus = [vocab.token_to_idx[c] for c in text]
    print(f"{len(corpus)} characters, vocabulary of {len(vocab)}")
    layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[args.cell](len(vocab), args.hidden)
    net = RNNModel(layer, len(vocab))
    history = train(net, corpus, vocab, args.lr, args.epochs, batch_size=16, num_steps=32, plot=args.plot)
    for prefix in ("we hold ", "governments "):
        print(repr(predict(prefix, 40, net, vocab)))
    return history


if __name__ == "__main__":
    main()
