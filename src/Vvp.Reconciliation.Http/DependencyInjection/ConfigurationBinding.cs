using System.Globalization;
using Microsoft.Extensions.Configuration;
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
    public static void Bind(IConfiguration section, ReconcilerOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? string.Empty;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToLowerInvariant())
            {
                case "identity": options.Identity = child.Value ?? string.Empty; break;
                case "watchednamespaces": ReplaceList(options.WatchedNamespaces, child); break;
                case "authenticationrequired": options.AuthenticationRequired = Boolean(child); break;
                case "deletionpolicy": options.DeletionPolicy = Enum<DeletionPolicy>(child); break;
                case "markerprefix": options.MarkerPrefix = child.Value ?? string.Empty; break;
                case "maxconflictretries": options.MaxConflictRetries = Int(child); break;
                case "transientretries": options.TransientRetries = Int(child); break;
                case "transientretrydelay": options.TransientRetryDelay = Duration(child); break;
                case "transitioningrequeue": options.TransitioningRequeue = Duration(child); break;
                case "failurerequeue": options.FailureRequeue = Duration(child); break;
                case "maxfailurerequeue": options.MaxFailureRequeue = Duration(child); break;
                case "maxretryafter": options.MaxRetryAfter = Duration(child); break;
                case "reconciletimeout": options.ReconcileTimeout = Duration(child); break;
                default: throw Unknown(child, path, "Identity, WatchedNamespaces, AuthenticationRequired, DeletionPolicy, MarkerPrefix, MaxConflictRetries, TransientRetries, TransientRetryDelay, TransitioningRequeue, FailureRequeue, MaxFailureRequeue, MaxRetryAfter, ReconcileTimeout");
            }
        }
    }

    public static void Bind(IConfiguration section, VvpPlatformClientOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? string.Empty;
        foreach (var child in section.GetChildren())
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
        }
    }
}
