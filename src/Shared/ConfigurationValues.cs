using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Vvp.Reconciliation.Configuration;

/// <summary>
/// Reads one configuration value of a kind, or says which key holds what instead. Compiled into each package
/// that binds settings (the source is shared, the type stays internal to each).
/// </summary>
internal static class ConfigurationValues
{
    // Binds every child of a section with bindOne; the children that cannot be bound are all named in one error.
    public static void BindEach(IConfiguration section, Action<IConfigurationSection> bindOne)
    {
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            try
            {
                bindOne(child);
            }
            catch (ArgumentException ex)
            {
                errors.Add(ex.Message);
            }
        }

        SettingsProblems.ThrowIfAny(errors);
    }

    // Binds a key through a table of settings (key, reader), keys compared as configuration compares them: in any case.
    public static bool TryBind<T>((string Name, Action<IConfigurationSection, T> Bind)[] settings, IConfigurationSection child, T options)
    {
        foreach (var (name, bind) in settings)
        {
            if (string.Equals(name, child.Key, StringComparison.OrdinalIgnoreCase))
            {
                bind(child, options);
                return true;
            }
        }

        return false;
    }

    // The prefix that names a setting of a section in messages: its path in dots (vvp.platform.), or none.
    public static string KeyPrefix(IConfiguration section) =>
        (section as IConfigurationSection)?.Path is { Length: > 0 } path ? path.Replace(':', '.') + "." : string.Empty;

    public static ArgumentException Unknown(IConfigurationSection child, string path, string known) =>
        new($"Configuration {child.Path} is not a setting{(path.Length == 0 ? string.Empty : " of " + path)}; the settings are {known}.");

    public static bool Boolean(IConfigurationSection child) => bool.TryParse(child.Value, out var value)
        ? value
        : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not true or false.");

    public static int Int(IConfigurationSection child) => int.TryParse(child.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
        ? value
        : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not a whole number.");

    // A duration as TimeSpan text (00:00:30) or as seconds (30, 0.5).
    public static TimeSpan Duration(IConfigurationSection child) =>
        double.TryParse(child.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
        : TimeSpan.TryParse(child.Value, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not a duration (seconds, or hh:mm:ss).");

    public static T Enum<T>(IConfigurationSection child)
        where T : struct, System.Enum =>
        System.Enum.TryParse<T>(child.Value, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(child.Value, out _)
            ? value
            : throw new ArgumentException($"Configuration {child.Path} = '{child.Value}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");

    // Replaces the items of a list setting: YAML/JSON children (key:0, key:1) or one comma-separated value.
    public static void ReplaceList(IList<string> target, IConfigurationSection child)
    {
        target.Clear();
        var items = child.Value is { } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : child.GetChildren().Select(c => c.Value ?? string.Empty);
        foreach (var item in items)
        {
            target.Add(item);
        }
    }
}
