namespace Vvp.Reconciliation.Http;

/// <summary>Settings of the Ververica Platform REST adapter.</summary>
public sealed class VvpPlatformClientOptions
{
    /// <summary>The platform's base address, e.g. <c>https://vvp.example.com/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Allows plain <c>http://</c> to hosts other than loopback. Default false: tokens travel only over HTTPS (or to this machine).</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>The time-out of one request. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest response body read; a larger one is an error. Default 16 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How many redirects are followed. Default 5.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>
    /// Whether the platform's version is read once (<c>GET /api/v1/status/system-info</c>) before the first call, and a
    /// platform older than <see cref="MinimumPlatformVersion"/> refused. Default true.
    /// </summary>
    public bool CheckPlatformVersion { get; set; } = true;

    /// <summary>
    /// The oldest platform version served. Default 2.4: before it deployments cannot be addressed by name, so a GET by
    /// name answers 404 and would lead to a duplicate create.
    /// </summary>
    public Version MinimumPlatformVersion { get; set; } = new(2, 4);

    /// <summary>The clock for reading <c>Retry-After</c> dates. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("VvpPlatformClientOptions.BaseAddress must be an absolute URL of the platform.");
        }

        if (!IsAllowed(BaseAddress))
        {
            throw new ArgumentException($"The platform address {Origin(BaseAddress)} is not HTTPS: API tokens travel only over HTTPS, or to loopback. Set AllowInsecureHttp to allow it.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (MaxResponseBytes <= 0 || MaxRedirects < 0 || RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("VvpPlatformClientOptions: MaxResponseBytes and RequestTimeout must be positive, MaxRedirects not negative.");
        }
    }

    /// <summary>True when a request may go to <paramref name="address"/>: HTTPS, loopback, or insecure HTTP explicitly allowed.</summary>
    /// <param name="address">An absolute URL.</param>
    /// <returns>Whether it is allowed.</returns>
    public bool IsAllowed(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Scheme == Uri.UriSchemeHttps ||
               (address.Scheme == Uri.UriSchemeHttp && (AllowInsecureHttp || address.IsLoopback));
    }

    /// <summary>Scheme, host and port of an address, never its user-info (which may hold a password).</summary>
    /// <param name="address">An absolute URL.</param>
    /// <returns>For example <c>http://vvp.example.com:8080</c>.</returns>
    public static string Origin(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsDefaultPort ? $"{address.Scheme}://{address.IdnHost}" : $"{address.Scheme}://{address.IdnHost}:{address.Port}";
    }
}
