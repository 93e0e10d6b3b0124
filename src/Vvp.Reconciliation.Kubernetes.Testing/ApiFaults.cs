namespace Vvp.Reconciliation.Kubernetes.Testing;

/// <summary>
/// Faults the stand-in injects: failures answered with a status code, slow answers, random failures at a
/// rate, and an outage during which every connection is dropped. Safe to use from several threads.
/// </summary>
public sealed class ApiFaults
{
    private readonly object _gate = new();
    private readonly List<Rule> _rules = [];
    private Random _random = new(1);
    private double _failureRate;
    private bool _outage;

    /// <summary>Whether the API is down: every request's connection is dropped without an answer.</summary>
    public bool Outage
    {
        get
        {
            lock (_gate)
            {
                return _outage;
            }
        }

        set
        {
            lock (_gate)
            {
                _outage = value;
            }
        }
    }

    /// <summary>Answers the next <paramref name="times"/> matching requests with <paramref name="statusCode"/>.</summary>
    /// <param name="verb">The Kubernetes verb (<c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>), or <c>*</c>.</param>
    /// <param name="resource">The resource (<c>vvpdeployments/status</c> for a subresource), or <see langword="null"/> for any.</param>
    /// <param name="statusCode">The status to answer, e.g. 500, 503, 429, 410.</param>
    /// <param name="times">How many requests fail.</param>
    public void FailNext(string verb, string? resource, int statusCode, int times = 1) =>
        Add(new Rule(verb, resource, statusCode, TimeSpan.Zero, times));

    /// <summary>Delays the next <paramref name="times"/> matching requests by <paramref name="delay"/> before they are answered.</summary>
    /// <param name="verb">The Kubernetes verb, or <c>*</c>.</param>
    /// <param name="resource">The resource, or <see langword="null"/> for any.</param>
    /// <param name="delay">How long each waits.</param>
    /// <param name="times">How many requests are slow.</param>
    public void SlowNext(string verb, string? resource, TimeSpan delay, int times = 1) =>
        Add(new Rule(verb, resource, 0, delay, times));

    /// <summary>
    /// Answers the next <paramref name="times"/> matching requests with what <paramref name="body"/> writes, after the
    /// status line and headers (sent at once): a list of the wrong kind, a malformed or oversized watch event, a watch
    /// that stays silent or drips a byte at a time, a hostile Lease or ConfigMap. The writer gets the response stream
    /// and the request's cancellation; the answer ends when it returns.
    /// </summary>
    /// <param name="verb">The Kubernetes verb, or <c>*</c>.</param>
    /// <param name="resource">The resource, or <see langword="null"/> for any.</param>
    /// <param name="body">Writes the body.</param>
    /// <param name="statusCode">The HTTP status. Default 200.</param>
    /// <param name="times">How many requests get it.</param>
    public void AnswerNext(string verb, string? resource, Func<Stream, CancellationToken, Task> body, int statusCode = 200, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        Add(new Rule(verb, resource, 0, TimeSpan.Zero, times) { Raw = new RawAnswer(statusCode, body) });
    }

    /// <summary>Answers the next <paramref name="times"/> matching requests with <paramref name="body"/> as it is (UTF-8).</summary>
    /// <param name="verb">The Kubernetes verb, or <c>*</c>.</param>
    /// <param name="resource">The resource, or <see langword="null"/> for any.</param>
    /// <param name="body">The body.</param>
    /// <param name="statusCode">The HTTP status. Default 200.</param>
    /// <param name="times">How many requests get it.</param>
    public void AnswerNext(string verb, string? resource, string body, int statusCode = 200, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        AnswerNext(verb, resource, (stream, token) => stream.WriteAsync(bytes, token).AsTask(), statusCode, times);
    }

    /// <summary>Fails every request that is not a watch with probability <paramref name="rate"/> (500, 503 or 429), reproducibly from <paramref name="seed"/>.</summary>
    /// <param name="rate">The probability, 0 to 1; 0 turns random failures off.</param>
    /// <param name="seed">Seeds the choice.</param>
    public void FailRandomly(double rate, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1);
        lock (_gate)
        {
            _failureRate = rate;
            _random = new Random(seed);
        }
    }

    /// <summary>Removes every injected fault and ends an outage.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _failureRate = 0;
            _outage = false;
        }
    }

    /// <summary>What to do with a request: drop it, delay it, answer it with a status (0: serve it) or a raw answer.</summary>
    internal (bool Drop, TimeSpan Delay, int Status, RawAnswer? Raw) Decide(string verb, string resource)
    {
        lock (_gate)
        {
            if (_outage)
            {
                return (true, TimeSpan.Zero, 0, null);
            }

            var delay = TimeSpan.Zero;
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if ((rule.Verb != "*" && rule.Verb != verb) || (rule.Resource is not null && rule.Resource != resource))
                {
                    continue;
                }

                rule.Times--;
                if (rule.Times <= 0)
                {
                    _rules.RemoveAt(i--);
                }

                if (rule.Raw is { } raw)
                {
                    return (false, delay, 0, raw);
                }

                if (rule.Status != 0)
                {
                    return (false, delay, rule.Status, null);
                }

                delay += rule.Delay;
            }

            if (verb != "watch" && _failureRate > 0 && _random.NextDouble() < _failureRate)
            {
                return (false, delay, _random.Next(3) switch { 0 => 500, 1 => 503, _ => 429 }, null);
            }

            return (false, delay, 0, null);
        }
    }

    private void Add(Rule rule)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule.Verb);
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Times, 1);
        lock (_gate)
        {
            _rules.Add(rule);
        }
    }

    private sealed class Rule(string verb, string? resource, int status, TimeSpan delay, int times)
    {
        public string Verb { get; } = verb;

        public string? Resource { get; } = resource;

        public int Status { get; } = status;

        public TimeSpan Delay { get; } = delay;

        public int Times { get; set; } = times;

        public RawAnswer? Raw { get; init; }
    }
}

/// <summary>An answer written as it is: its status and what writes its body.</summary>
internal sealed record RawAnswer(int Status, Func<Stream, CancellationToken, Task> Body);
