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
    public static void Bind(IConfiguration section, VvpPlatformClientOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? string.Empty;
        BindEach(section, child =>
        {
            switch (child.Key.ToLowerInvariant())
            {
                case "baseaddress":
                    options.BaseAddress = Uri.TryCreate(child.Value, UriKind.Absolute, out var address)
                        ? address
                        : throw new ArgumentException($"Configuration {child.Path} is not an absolute URL.");
                    break;
                case "allowinsecurehttp": options.AllowInsecureHttp = Boolean(child); break;
                case "requesttimeout": options.RequestTimeout = Duration(child); break;
                case "maxresponsebytes": options.MaxResponseBytes = Int(child); break;
                case "maxredirects": options.MaxRedirects = Int(child); break;
                case "checkplatformversion": options.CheckPlatformVersion = Boolean(child); break;
                case "minimumplatformversion":
                    options.MinimumPlatformVersion = Version.TryParse(child.Value, out var version)
                        ? version
                        : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not a version such as 2.4.");
                    break;
                default: throw Unknown(child, path, "BaseAddress, AllowInsecureHttp, RequestTimeout, MaxResponseBytes, MaxRedirects, CheckPlatformVersion, MinimumPlatformVersion");
            }
        });
    }
}
