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

    /// <summary>
    /// A PEM file of certificate authorities trusted for the platform's HTTPS certificate beside the system's, for a
    /// platform behind a private CA (the chart mounts it from a ConfigMap or Secret). Default none: the system's only.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>The clock for reading <c>Retry-After</c> dates. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Every configuration key of the platform client (<c>vvp.platform</c> in the operator): what the binding of <c>AddVvpPlatformClient(IConfiguration)</c> reads.</summary>
    public static IReadOnlyList<string> SettingNames => DependencyInjection.ConfigurationBinding.Names;

    /// <summary>Checks the options and reports every invalid one at once.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names each by its configuration key.</exception>
    public void Validate() => Configuration.SettingsProblems.ThrowIfAny(Problems());

    /// <summary>Every invalid setting, each named by its configuration key under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The keys' prefix, e.g. <c>vvp.platform.</c>; none by default.</param>
    /// <returns>One line per problem; empty when all is well.</returns>
    public IReadOnlyList<string> Problems(string prefix = "")
    {
        prefix ??= string.Empty;
        var problems = new List<string>();
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri)
        {
            problems.Add($"{prefix}baseAddress must be an absolute URL of the platform.");
        }
        else if (!IsAllowed(BaseAddress))
        {
            problems.Add($"{prefix}baseAddress {Origin(BaseAddress)} is not HTTPS: API tokens travel only over HTTPS, or to loopback. Set {prefix}allowInsecureHttp to allow it.");
        }

        if (TimeProvider is null)
        {
            problems.Add($"{prefix}timeProvider must be set.");
        }

        if (MaxResponseBytes <= 0)
        {
            problems.Add($"{prefix}maxResponseBytes must be positive (it is {MaxResponseBytes}).");
        }

        if (MaxRedirects < 0)
        {
            problems.Add($"{prefix}maxRedirects must not be negative (it is {MaxRedirects}).");
        }

        if (CaFile is { Length: > 0 } caFile)
        {
            try
            {
                _ = PlatformTrust.Load(caFile);
            }
            catch (ArgumentException ex)
            {
                problems.Add(prefix + ex.Message);
            }
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{prefix}requestTimeout must be positive (it is {RequestTimeout.TotalSeconds:0.###} s).");
        }

        return problems;
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
