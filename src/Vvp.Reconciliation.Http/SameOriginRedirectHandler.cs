using System.Net;

namespace Vvp.Reconciliation.Http;

/// <summary>
/// Follows redirects itself (the primary handler must not), so that the <c>Authorization</c> header goes
/// only to the origin it was meant for: on a redirect to another scheme, host or port it is dropped, and a
/// redirect to an address the options do not allow (plain HTTP) is refused.
/// </summary>
internal sealed class SameOriginRedirectHandler : DelegatingHandler
{
    private readonly VvpPlatformClientOptions _options;

    /// <summary>Creates the handler.</summary>
    /// <param name="options">The adapter options (redirect limit, HTTPS rule).</param>
    public SameOriginRedirectHandler(VvpPlatformClientOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.RequestUri!;
        var authorization = request.Headers.Authorization;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        for (var redirects = 0; IsRedirect(response.StatusCode) && response.Headers.Location is { } location; redirects++)
        {
            if (redirects >= _options.MaxRedirects)
            {
                return response;
            }

            var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            if (!_options.IsAllowed(target))
            {
                response.Dispose();
                throw new HttpRequestException($"Refused a redirect to {VvpPlatformClientOptions.Origin(target)}: not HTTPS.");
            }

            var method = response.StatusCode == HttpStatusCode.SeeOther ? HttpMethod.Get : request.Method;
            var next = new HttpRequestMessage(method, target);
            if (method != HttpMethod.Get && request.Content is { } content)
            {
                next.Content = await CloneAsync(content, cancellationToken).ConfigureAwait(false);
            }

            foreach (var header in request.Headers.Where(h => h.Key != "Authorization"))
            {
                next.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            if (authorization is not null && SameOrigin(origin, target))
            {
                next.Headers.Authorization = authorization;
            }

            response.Dispose();
            request = next;
            response = await base.SendAsync(next, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private static bool IsRedirect(HttpStatusCode code) => code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
        or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) &&
        a.Port == b.Port;

    private static async Task<HttpContent> CloneAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var bytes = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var copy = new ByteArrayContent(bytes);
        foreach (var header in content.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }
}
