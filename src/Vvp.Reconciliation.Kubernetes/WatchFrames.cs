namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Splits a watch's stream into its events (one JSON document per line), never holding more than
/// <see cref="KubernetesApi.MaxFrameBytes"/> of one: a longer line is refused before it is read whole.
/// </summary>
internal sealed class WatchFrames(Stream stream) : IDisposable
{
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;

    public void Dispose() => _line.Dispose();

    /// <summary>The next non-empty line, or <see langword="null"/> when the stream ends.</summary>
    /// <exception cref="InvalidDataException">A line is longer than <see cref="KubernetesApi.MaxFrameBytes"/>.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken cancellationToken)
    {
        _line.SetLength(0);
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await stream.ReadAsync(_chunk, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    // A last line without its newline still counts.
                    return _line.Length > 0 ? _line.ToArray() : (ReadOnlyMemory<byte>?)null;
                }
            }

            var newline = Array.IndexOf(_chunk, (byte)'\n', _start, _end - _start);
            var take = (newline < 0 ? _end : newline) - _start;
            if (_line.Length + take > KubernetesApi.MaxFrameBytes)
            {
                throw new InvalidDataException($"more than {KubernetesApi.MaxFrameBytes} bytes without a line end");
            }

            _line.Write(_chunk, _start, take);
            _start += take;
            if (newline >= 0)
            {
                _start++;
                if (_line.Length > 0 && !(_line.Length == 1 && _line.GetBuffer()[0] == (byte)'\r'))
                {
                    return _line.ToArray();
                }

                // An empty line (a keep-alive): the next one starts afresh.
                _line.SetLength(0);
            }
        }
    }
}
