using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Vvp.Reconciliation.Operator;

/// <summary>
/// Where Prometheus scrapes, under <c>vvp:metrics</c>: <c>url</c>, an <c>http://</c> address with a port of its own
/// (default <c>http://0.0.0.0:8081</c>). Only <c>/metrics</c> answers there, and <c>/metrics</c> answers nowhere else,
/// so the metrics port can be opened to a monitoring namespace while the probes' port stays closed.
/// </summary>
internal sealed record MetricsSettings(Uri Url)
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>The setting names under <c>vvp:metrics</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["url"];

    /// <summary>Reads the setting; the probes' addresses (<c>--urls</c>) must use other ports.</summary>
    /// <param name="section">The <c>vvp:metrics</c> section.</param>
    /// <param name="probeUrls">The probes' addresses, separated by <c>;</c>.</param>
    /// <param name="defaultUrl">The address when none is set.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentException">The address is invalid or shares a port with the probes; the message names the setting.</exception>
    public static MetricsSettings Read(IConfiguration section, string probeUrls, string defaultUrl)
    {
        var text = section["url"] is { Length: > 0 } u ? u : defaultUrl;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || url.AbsolutePath != "/" || url.IsDefaultPort || url.Port == 0)
        {
            throw new ArgumentException($"vvp:metrics:url = '{text}' must be an http:// address with a port (not 0) and without a path.");
        }

        foreach (var probe in probeUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(probe.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var address) && address.Port == url.Port)
            {
                throw new ArgumentException($"vvp:metrics:url = '{text}' uses the port of --urls ('{probe}'): metrics are served on a port of their own.");
            }
        }

        return new MetricsSettings(url);
    }
}

/// <summary>
/// Counts each HTTP request to the platform (every attempt, inside the resilience handler) by method and status code
/// (<c>&lt;error&gt;</c> without an answer), and times it by method.
/// </summary>
internal sealed class PlatformRequestMetrics(Counter<long> requests, Histogram<double> duration) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var code = "<error>";
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            code = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            return response;
        }
        finally
        {
            var method = new KeyValuePair<string, object?>("method", request.Method.Method);
            requests.Add(1, method, new KeyValuePair<string, object?>("code", code));
            duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, method);
        }
    }
}
