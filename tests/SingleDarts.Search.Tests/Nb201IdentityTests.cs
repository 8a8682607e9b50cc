using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary>
/// NAS-Bench-201 searches give the results they gave before the search-space seam: the arch and α
/// of tiny 2-epoch runs (seed 7, one thread), recorded with the code before the change (commit
/// 618a283, on an AMD EPYC with AVX-512). The arch must match exactly; α to 1e-6 (its values are
/// ~1e-3; a changed computation moves them by ~1e-4), because another CPU's kernels may round
/// differently — on the recording machine the values are equal bit for bit.
/// </summary>
[Trait("Category", "unit")]
public class Nb201IdentityTests
{
    public static TheoryData<string, string, float[]> Recorded => new()
    {
        {
            "single", "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|",
            [
            0.0013425193f, -0.00072986644f, 0.0014270645f, -0.0013597977f, 0.0020856892f,
            0.0010629484f, -0.00056131784f, 0.0014128247f, -0.0006729737f, -0.000873248f,
            -0.0028608313f, -0.0014988624f, 0.0010381623f, -0.00040001117f, 0.00037311658f,
            0.0019929067f, -0.00020088788f, -0.0008499028f, -0.00021730471f, 0.0017626747f,
            -0.003391172f, -0.0019412566f, 7.759816E-06f, -0.00046675792f, -0.0025386903f,
            -0.0005297499f, -0.00032807246f, 0.00081405556f, 0.0025879473f, -0.0010598385f,
            ]
        },
        {
            "darts-v1", "|none~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
            [
            0.0014115765f, -0.00044899958f, 0.0011520424f, 0.00046629936f, -0.00037023568f,
            0.0016002342f, -0.0008976271f, 0.00039049282f, 0.00014151621f, -0.00030357586f,
            -0.0020321498f, -0.0007316759f, 0.001430439f, -0.0008934592f, 0.00013049685f,
            0.000875929f, 0.0009537475f, -0.00088982866f, 0.00052484684f, -0.0005656429f,
            -0.0028026714f, -0.0014778718f, -0.00031793222f, 0.00020632576f, -0.0023729373f,
            0.00051747804f, 0.0008344913f, -0.0012991239f, 0.0035633154f, -0.0020806221f,
            ]
        },
        {
            "darts-v2", "|avg_pool_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
            [
            -0.00038138637f, 0.0011499483f, -0.00043133053f, -0.0007146956f, 0.0026981395f,
            -7.974368E-05f, 0.00056916225f, 0.0006025941f, -0.001043731f, -0.00034782375f,
            -0.0010802171f, -0.0003296351f, 0.0007533498f, 5.7554927E-05f, 0.0014909756f,
            0.00071762485f, 0.0009481715f, -0.00030990766f, 0.0005078051f, 0.0007121106f,
            -0.0025232541f, -0.00091972237f, -0.00064894184f, -0.00019297877f, -0.0013070963f,
            0.00057126285f, 0.0012693248f, -0.00093478465f, 0.0030358045f, -0.0009834286f,
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Nb201_results_are_those_recorded_before_the_seam(string method, string arch, float[] alphas)
    {
        var result = SearchRunner.Run(Tiny.Options(method, seed: 7), Tiny.TempDir());
        Assert.Equal(arch, result.Arch);
        Assert.Equal(6, result.Alphas.Length);
        var got = result.Alphas.SelectMany(r => r).ToArray();
        Assert.Equal(alphas.Length, got.Length);
        for (var i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - alphas[i]) <= 1e-6, $"{method}: α[{i / 5},{i % 5}] = {got[i]:R}, recorded {alphas[i]:R}");
    }
}
