using SingleDarts.Search.Data;

namespace SingleDarts.Search.Tests;

/// <summary><c>singledarts data check imagenet16-120</c> and <c>data download imagenet16-120</c> as a user runs them.</summary>
[Trait("Category", "integration")]
public class CliImageNet16Tests
{
    [Fact]
    public void Data_check_says_where_the_files_go_then_names_each_problem_and_exits_2()
    {
        var root = Tiny.TempDir();
        var where = $"put train_data_batch_1 … train_data_batch_10 and val_data into {Path.Combine(root, "ImageNet16")}, then check them with: singledarts data check imagenet16-120";
        var (exit, _, err) = CliProcess.Run($"data check imagenet16-120 --dir {root}");
        Assert.Equal(2, exit);
        Assert.Contains(where, err);
        (exit, _, err) = CliProcess.Run($"data download imagenet16-120 --dir {root}");
        Assert.Equal(2, exit);
        Assert.Contains(where, err);

        var folder = ImageNet16Fixtures.Folder(perBatch: 4, val: 4, root: root);
        File.Delete(Path.Combine(folder, "train_data_batch_9"));
        (exit, var stdout, err) = CliProcess.Run($"data check imagenet16-120 --dir {root}");
        Assert.Equal(2, exit);
        Assert.Contains("train_data_batch_1" + new string(' ', 11) + "4 images," + new string(' ', 7) + "2 of the first 120 classes", stdout);
        Assert.Contains($"error: {folder}: train_data_batch_9 is missing", err);
        Assert.DoesNotContain("   at ", err);

        File.WriteAllBytes(Path.Combine(folder, "train_data_batch_9"), ImageNet16Fixtures.TrainBatch(32, 4));
        (exit, stdout, err) = CliProcess.Run($"data check imagenet16-120 --dir {root}");
        Assert.Equal(2, exit);   // a tiny copy is not the release
        Assert.Contains("train: 40 images, 25 of the first 120 classes; val: 4, 2", stdout);
        Assert.Contains("error: the training files hold 40 images, the release 1,281,167 (train_data_batch_1 has 4 of 128,116", err);
        Assert.Contains("error: val_data holds 4 images, the release 50,000", err);
    }
}
