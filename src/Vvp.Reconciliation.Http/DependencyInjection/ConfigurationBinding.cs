using System.Globalization;
using Microsoft.Extensions.Configuration;
using Vvp.Reconciliation.Configuration;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using static Vvp.Reconciliation.Configuration.ConfigurationValues;

namespace Vvp.Reconciliation.DependencyInjection;

/// <summary>
/// Binds options from configuration by hand: no reflection (trimming and Native AOT stay clean), every key known, and a
/// clear error naming the key and the value for a misspelt key or a value of the wrong form (a misspelt deletion
/// policy is an error, never a silent Orphan).
/// </summary>
internal static class ConfigurationBinding
{
    // Each setting once: its key, as the documentation writes it, and how its value is read.
    private static readonly (string Name, Action<IConfigurationSection, VvpPlatformClientOptions> Bind)[] Settings =
    [
        ("baseAddress", (c, o) => o.BaseAddress = Uri.TryCreate(c.Value, UriKind.Absolute, out var address)
            ? address
            : throw new ArgumentException($"Configuration {c.Path} is not an absolute URL.")),
        ("allowInsecureHttp", (c, o) => o.AllowInsecureHttp = Boolean(c)),
        ("requestTimeout", (c, o) => o.RequestTimeout = Duration(c)),
        ("maxResponseBytes", (c, o) => o.MaxResponseBytes = Int(c)),
        ("maxRedirects", (c, o) => o.MaxRedirects = Int(c)),
        ("caFile", (c, o) => o.CaFile = c.Value),
        ("checkPlatformVersion", (c, o) => o.CheckPlatformVersion = Boolean(c)),
        ("minimumPlatformVersion", (c, o) => o.MinimumPlatformVersion = Version.TryParse(c.Value, out var version)
            ? version
            : throw new ArgumentException($"Configuration {c.Path} = '{c.Value}' is not a version such as 2.4.")),
    ];

    /// <summary>The platform client's keys, as the documentation writes them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Settings.Select(s => s.Name)];

    public static void Bind(IConfiguration section, VvpPlatformClientOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? string.Empty;
        BindEach(section, child =>
        {
            if (!TryBind(Settings, child, options))
            {
                throw Unknown(child, path, string.Join(", ", Names));
            }
        });
    }
}
