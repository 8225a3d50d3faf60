/*
   +----------------------------------------------------------------------+
   | mm_observe: the observer's entry points into ZendMM                   |
   +----------------------------------------------------------------------+
   | Included by Zend/zend_alloc.c (patches/0002), after its public API,   |
   | because what it wraps is static there.                                |
   +----------------------------------------------------------------------+

   The observing heap (zend_mm_observe.c) knows the bin of every small block
   it handles: of a request from its fit table (checked against ZendMM by
   zend_mm_observe_calibrate()), of a block it frees from its block map's
   page code.  These wrappers let it enter ZendMM's small paths with that
   bin, instead of ZendMM's public _zend_mm_alloc/_free finding the bin (and
   for a free the chunk and the page) again.  A debug build keeps debug
   information in every block, so only the generic paths are used there.

   The block map keeps each chunk's shadow in a word of the chunk's header
   (ZEND_MM_OBSERVE_CHUNK_WORD, zend_mm_observe_blocks.h); the assertion
   below pins that word inside zend_mm_chunk's reserve, which ZendMM never
   reads or writes.
*/

#ifdef ZEND_MM_OBSERVE

ZEND_STATIC_ASSERT(ZEND_MM_OBSERVE_CHUNK_WORD >= offsetof(zend_mm_chunk, reserve)
	&& ZEND_MM_OBSERVE_CHUNK_WORD + sizeof(void *) <= offsetof(zend_mm_chunk, heap_slot)
	&& ZEND_MM_OBSERVE_CHUNK_WORD % sizeof(void *) == 0, "the observer's chunk word is in the reserve");

# if !ZEND_DEBUG
ZEND_API void* ZEND_FASTCALL zend_mm_observe_zend_alloc_small(zend_mm_heap *heap, uint32_t bin_num)
{
	return zend_mm_alloc_small(heap, bin_num ZEND_FILE_LINE_CC ZEND_FILE_LINE_EMPTY_CC);
}

ZEND_API void ZEND_FASTCALL zend_mm_observe_zend_free_small(zend_mm_heap *heap, void *ptr, uint32_t bin_num)
{
	zend_mm_chunk *chunk = (zend_mm_chunk*)ZEND_MM_ALIGNED_BASE(ptr, ZEND_MM_CHUNK_SIZE);

	ZEND_MM_CHECK(chunk->heap == heap, "zend_mm_heap corrupted");
	zend_mm_free_small(heap, ptr, bin_num);
}
# endif

#endif /* ZEND_MM_OBSERVE */
